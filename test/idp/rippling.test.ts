/**
 * Replays what Rippling is documented to do (research/idp-behaviour.md §7 and §9) against a
 * real scimbridge over HTTP, on SQLite and on PostgreSQL. Rippling's wire shapes are not
 * published [U]; what is known: a SCIM 2.0 base URL and bearer token, a connection probe of
 * /ServiceProviderConfig [3P], check-boxes for groups, pagination, delete groups and PATCH
 * groups (it adapts to what the server declares), the attributes `externalId`,
 * `emails.primary`, `name.givenName`, `name.familyName`, reading the app's existing groups,
 * and "Deactivate" suspending. Where the verb is unknown both RFC 7644 forms are sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCustomGroup } from '../../src/account/create-custom-group.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { testDatabases } from '../support/requirements.ts';
import { GROUP_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

// The User-Agent is not documented [U]; the bridge names the IdP from it only for its reports.
const RIPPLING = { 'user-agent': 'Rippling SCIM', accept: 'application/scim+json' };
const q = (filter: string) => encodeURIComponent(filter);
const values = (members: Array<{ value: string }> | undefined) => (members ?? []).map((m) => m.value).sort();

/** Only the attributes Rippling lists for a custom SCIM app, plus the userName SCIM requires. */
function employee(externalId: string, email: string, givenName: string, familyName: string) {
  return {
    schemas: [USER_SCHEMA],
    externalId,
    userName: email,
    name: { givenName, familyName },
    emails: [{ value: email, primary: true }],
  };
}

for (const db of testDatabases()) {
  describe(`Rippling request sequence (${db})`, () => {
    let sys: TestSystem;
    const rip = (method: string, path: string, body?: unknown) => sys.scim(method, path, body, RIPPLING);
    let rosalindId = '';
    let barbaraId = '';
    let existingGroupId = '';
    let pushedGroupId = '';

    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(async () => {
      await sys.close();
    });

    test('connection test: /ServiceProviderConfig declares what the check-boxes ask (PATCH, filter paging)', async () => {
      const res = await rip('GET', '/ServiceProviderConfig');
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
      assert.equal(res.body.patch.supported, true, 'the "PATCH groups" check-box needs PATCH');
      assert.equal(res.body.filter.supported, true);
      assert.ok(Number.isInteger(res.body.filter.maxResults) && res.body.filter.maxResults >= 100);
      assert.ok(
        res.body.authenticationSchemes.some((scheme: { type: string }) => scheme.type === 'oauthbearertoken'),
        'Rippling authenticates with a bearer token',
      );
    });

    test('the existing groups are read (GET /Groups, paged) so they can be chosen in Rippling', async () => {
      const deps = { store: sys.store, clock: systemClock, ids: randomIds };
      const existing = await createCustomGroup(
        deps,
        { memberId: null, name: 'command line (test)' },
        { displayName: 'Finance', managed: true },
      );
      existingGroupId = existing.id;
      const res = await rip('GET', '/Groups?startIndex=1&count=100');
      assert.equal(res.status, 200);
      assert.equal(typeof res.body.totalResults, 'number');
      assert.equal(res.body.startIndex, 1);
      assert.ok(
        res.body.Resources.some((g: { id: string; displayName: string }) => g.id === existingGroupId),
      );
    });

    test('create with externalId, emails.primary, name.givenName and name.familyName: 201, invited (P9)', async () => {
      const res = await rip(
        'POST',
        '/Users',
        employee('rip-1001', 'rosalind@example.com', 'Rosalind', 'Franklin'),
      );
      assert.equal(res.status, 201, res.text);
      rosalindId = res.body.id;
      assert.equal(res.body.externalId, 'rip-1001');
      assert.equal(res.body.name.givenName, 'Rosalind');
      assert.equal(res.body.name.familyName, 'Franklin');
      assert.deepEqual(
        res.body.emails.map((e: { value: string; primary?: boolean }) => [e.value, e.primary]),
        [['rosalind@example.com', true]],
      );
      assert.equal(res.body.active, true);
      const barbara = await rip(
        'POST',
        '/Users',
        employee('rip-1002', 'barbara@example.com', 'Barbara', 'Liskov'),
      );
      assert.equal(barbara.status, 201, barbara.text);
      barbaraId = barbara.body.id;
      const mail = await sys.store.listMail({ limit: 50 });
      assert.ok(mail.some((m) => m.to === 'rosalind@example.com' && m.template === 'invitation'));
    });

    test('lookups by externalId and by userName find the user', async () => {
      for (const filter of ['externalId eq "rip-1001"', 'userName eq "rosalind@example.com"']) {
        const res = await rip('GET', `/Users?filter=${q(filter)}`);
        assert.equal(res.body.totalResults, 1, filter);
        assert.equal(res.body.Resources[0].id, rosalindId, filter);
      }
    });

    test('pagination: startIndex and count walk every user once', async () => {
      const seen: string[] = [];
      let total = 0;
      for (let start = 1; ; start += 1) {
        const page = await rip('GET', `/Users?startIndex=${start}&count=1`);
        total = page.body.totalResults;
        seen.push(...page.body.Resources.map((u: { id: string }) => u.id));
        if (start >= total) break;
      }
      assert.equal(new Set(seen).size, total);
      assert.ok(seen.includes(rosalindId) && seen.includes(barbaraId));
    });

    test('update of a name: by PATCH and by PUT (the verb is not documented [U])', async () => {
      const patched = await rip(
        'PATCH',
        `/Users/${rosalindId}`,
        patch({ op: 'replace', path: 'name.familyName', value: 'Franklin-Watson' }),
      );
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.name.familyName, 'Franklin-Watson');
      const put = await rip('PUT', `/Users/${rosalindId}`, {
        ...employee('rip-1001', 'rosalind@example.com', 'Rosalind Elsie', 'Franklin'),
        id: rosalindId,
      });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.name.givenName, 'Rosalind Elsie');
      assert.equal(put.body.externalId, 'rip-1001');
    });

    test('group push with "PATCH groups" on: members added to an existing group and to a new one', async () => {
      const add = await rip(
        'PATCH',
        `/Groups/${existingGroupId}`,
        patch({ op: 'add', path: 'members', value: [{ value: rosalindId }] }),
      );
      assert.ok(add.status === 200 || add.status === 204, add.text);
      const created = await rip('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Department: Research',
        members: [{ value: barbaraId }],
      });
      assert.equal(created.status, 201, created.text);
      pushedGroupId = created.body.id;
      assert.deepEqual(values((await rip('GET', `/Groups/${existingGroupId}`)).body.members), [rosalindId]);
      assert.deepEqual(values(created.body.members), [barbaraId]);
    });

    test('group push with "PATCH groups" off: PUT replaces name and members', async () => {
      const res = await rip('PUT', `/Groups/${pushedGroupId}`, {
        schemas: [GROUP_SCHEMA],
        displayName: 'Department: Research & Development',
        members: [{ value: barbaraId }, { value: rosalindId }],
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.displayName, 'Department: Research & Development');
      assert.deepEqual(values(res.body.members), [barbaraId, rosalindId].sort());
    });

    test('Deactivate suspends the member; turning access back on reactivates', async () => {
      const off = await rip(
        'PATCH',
        `/Users/${barbaraId}`,
        patch({ op: 'replace', value: { active: false } }),
      );
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      assert.equal((await sys.store.getMember(barbaraId))?.state, 'suspended');
      const still = await rip('GET', `/Users?filter=${q('externalId eq "rip-1002"')}`);
      assert.equal(still.body.totalResults, 1, 'a deactivated employee stays visible');
      const on = await rip(
        'PATCH',
        `/Users/${barbaraId}`,
        patch({ op: 'replace', path: 'active', value: true }),
      );
      assert.equal(on.body.active, true);
      assert.notEqual((await sys.store.getMember(barbaraId))?.state, 'suspended');
    });

    test('"delete groups" on: DELETE removes the group and leaves its members in the account', async () => {
      assert.equal((await rip('DELETE', `/Groups/${pushedGroupId}`)).status, 204);
      assert.equal((await rip('GET', `/Groups/${pushedGroupId}`)).status, 404);
      assert.equal((await rip('GET', `/Users/${barbaraId}`)).status, 200);
    });

    test('each request is logged as Rippling, and no line holds the token', () => {
      for (const line of sys.logLines) assert.ok(!line.includes(sys.token));
      const requests = sys.logLines
        .map((line) => JSON.parse(line))
        .filter((entry) => entry.msg === 'scim request');
      assert.ok(requests.some((entry) => entry.idp === 'rippling' && entry.op === 'discovery'));
    });
  });
}
