/**
 * Replays the request sequence Microsoft Entra ID sends (research/idp-behaviour.md §2.4,
 * E1–E20) against a real scimbridge over HTTP, on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDatabases } from '../support/requirements.ts';
import {
  ENTERPRISE,
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const ENTRA = { adscimversion: '2.0', 'user-agent': 'Microsoft.Identity.Provisioning' };
const q = (filter: string) => encodeURIComponent(filter);

function adaBody(active: unknown = true) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: 'ada.lovelace',
    userName: 'ada.lovelace@contoso.example',
    active,
    displayName: 'Ada Lovelace',
    emails: [{ primary: true, type: 'work', value: 'ada.lovelace@contoso.example' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
    roles: [],
    [ENTERPRISE]: { employeeNumber: '10042', department: 'Research' },
  };
}

for (const db of testDatabases()) {
  describe(`Entra ID request sequence (${db})`, () => {
    let sys: TestSystem;
    const entra = (method: string, path: string, body?: unknown) => sys.scim(method, path, body, ENTRA);
    let adaId = '';
    let groupId = '';
    const memberIds: string[] = [];

    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(async () => {
      await sys.close();
    });

    test('E1 test connection: a filter that matches nothing is 200 with an empty list, never 404', async () => {
      const res = await entra(
        'GET',
        `/Users?filter=${q('userName eq "3f1c2b7a-9d2e-4a51-8c0b-1e2f3a4b5c6d"')}`,
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
      assert.deepEqual(res.body, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: 0,
        itemsPerPage: 0,
        startIndex: 1,
        Resources: [],
      });
    });

    test('E3 create: 201 with id, Location and ETag; meta and roles in the request are accepted', async () => {
      const res = await entra('POST', '/Users', adaBody());
      assert.equal(res.status, 201, res.text);
      adaId = res.body.id;
      assert.ok(adaId);
      assert.equal(res.headers.get('location'), `https://bridge.test/scim/v2/Users/${adaId}`);
      assert.equal(res.headers.get('etag'), res.body.meta.version);
      assert.equal(res.body.userName, 'ada.lovelace@contoso.example');
      assert.equal(res.body.active, true);
      assert.equal(res.body[ENTERPRISE].department, 'Research');
      assert.ok(res.body.schemas.includes(ENTERPRISE));
      // P9: a new person is invited by e-mail (queued in the outbox with the member).
      const mail = await sys.store.listMail({ limit: 10 });
      assert.ok(mail.some((m) => m.to === 'ada.lovelace@contoso.example' && m.template === 'invitation'));
    });

    test('E3 create with active as the string "True" stores a real boolean', async () => {
      const res = await entra('POST', '/Users', {
        ...adaBody('True'),
        externalId: 'alan',
        userName: 'alan.turing@contoso.example',
        emails: [{ primary: true, type: 'work', value: 'alan.turing@contoso.example' }],
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.active, true);
      memberIds.push(res.body.id);
      const grace = await entra('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'grace@contoso.example',
        emails: [{ value: 'grace@contoso.example', type: 'work' }],
      });
      assert.equal(grace.status, 201, grace.text);
      memberIds.push(grace.body.id);
    });

    test('E2 lookups by userName (any case), externalId and work e-mail find the user', async () => {
      for (const filter of [
        'userName eq "ADA.LOVELACE@contoso.example"',
        'externalId eq "ada.lovelace"',
        'emails[type eq "work"].value eq "ada.lovelace@contoso.example"',
      ]) {
        const res = await entra('GET', `/Users?filter=${q(filter)}`);
        assert.equal(res.status, 200, filter);
        assert.equal(res.body.totalResults, 1, filter);
        assert.equal(res.body.Resources[0].id, adaId, filter);
      }
      const prefix = await entra('GET', `/Users?filter=${q('userName eq "ada"')}`);
      assert.equal(prefix.body.totalResults, 0, 'userName eq is exact, not a prefix match');
    });

    test('E4 get by id; an unknown id is 404 with a SCIM error', async () => {
      const res = await entra('GET', `/Users/${adaId}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, adaId);
      const missing = await entra('GET', '/Users/00000000-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body.schemas, [ERROR_SCHEMA]);
      assert.equal(missing.body.status, '404');
    });

    test('E5 legacy update: capitalised ops, filtered e-mail path, URN path', async () => {
      const res = await entra(
        'PATCH',
        `/Users/${adaId}`,
        patch(
          { op: 'Replace', path: 'displayName', value: 'Ada King' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada.king@contoso.example' },
          { op: 'Replace', path: 'name.givenName', value: 'Ada' },
          { op: 'Replace', path: 'name.familyName', value: 'King' },
          { op: 'Replace', path: 'externalId', value: 'ada.king' },
          { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '10043' },
          { op: 'Add', path: 'nickName', value: 'Countess' },
        ),
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.displayName, 'Ada King');
      assert.equal(res.body.name.familyName, 'King');
      assert.equal(res.body.externalId, 'ada.king');
      assert.equal(res.body.nickName, 'Countess');
      assert.equal(res.body[ENTERPRISE].employeeNumber, '10043');
      assert.equal(res.body.emails[0].value, 'ada.king@contoso.example');
      // P13: the new address waits for the member to accept it.
      const member = await sys.store.getMember(adaId);
      assert.equal(member?.email, 'ada.lovelace@contoso.example');
      assert.equal(member?.pendingEmail, 'ada.king@contoso.example');
    });

    test('E6 update with the flag: no-path replace with dotted and URN keys', async () => {
      const res = await entra(
        'PATCH',
        `/Users/${adaId}`,
        patch({
          op: 'replace',
          value: {
            displayName: 'Ada K.',
            'name.givenName': 'Augusta',
            [`${ENTERPRISE}:department`]: 'Analytics',
          },
        }),
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.displayName, 'Ada K.');
      assert.equal(res.body.name.givenName, 'Augusta');
      assert.equal(res.body[ENTERPRISE].department, 'Analytics');
    });

    test('E8 manager as a plain id string is stored and returned as {value}', async () => {
      const res = await entra(
        'PATCH',
        `/Users/${adaId}`,
        patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: memberIds[0] }),
      );
      assert.equal(res.status, 200, res.text);
      const got = await entra('GET', `/Users/${adaId}`);
      assert.equal(got.body[ENTERPRISE].manager.value, memberIds[0]);
    });

    test('E9/E11 disable with "False" suspends; "True" reactivates', async () => {
      const off = await entra(
        'PATCH',
        `/Users/${adaId}`,
        patch({ op: 'Replace', path: 'active', value: 'False' }),
      );
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      assert.equal((await sys.store.getMember(adaId))?.state, 'suspended');
      const still = await entra('GET', `/Users?filter=${q('userName eq "ada.lovelace@contoso.example"')}`);
      assert.equal(still.body.totalResults, 1, 'suspended users stay visible to lookups');
      const on = await entra(
        'PATCH',
        `/Users/${adaId}`,
        patch({ op: 'Replace', path: 'active', value: 'True' }),
      );
      assert.equal(on.body.active, true);
      assert.notEqual((await sys.store.getMember(adaId))?.state, 'suspended');
    });

    test('E13/E14 create a group, find it by displayName without members', async () => {
      const created = await entra('POST', '/Groups', {
        schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '0d6a7c9e-3b8f-4f3e-9a51-2c7e8d9f0a1b',
        displayName: 'Engineering',
        meta: { resourceType: 'Group' },
      });
      assert.equal(created.status, 201, created.text);
      groupId = created.body.id;
      const found = await entra(
        'GET',
        `/Groups?excludedAttributes=members&filter=${q('displayName eq "Engineering"')}`,
      );
      assert.equal(found.body.totalResults, 1);
      assert.equal(found.body.Resources[0].id, groupId);
      assert.equal(found.body.Resources[0].members, undefined);
      const byId = await entra('GET', `/Groups/${groupId}?excludedAttributes=members`);
      assert.equal(byId.status, 200);
      assert.equal(byId.body.members, undefined);
    });

    test('E15 rename answers 204', async () => {
      const res = await entra(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'Replace', path: 'displayName', value: 'Engineering EU' }),
      );
      assert.equal(res.status, 204, res.text);
      assert.equal((await entra('GET', `/Groups/${groupId}`)).body.displayName, 'Engineering EU');
    });

    test('E16/E20 add several members with $ref null; redundant re-adds change nothing', async () => {
      const add = patch({
        op: 'Add',
        path: 'members',
        value: memberIds.map((value) => ({ $ref: null, value })),
      });
      assert.equal((await entra('PATCH', `/Groups/${groupId}`, add)).status, 204);
      assert.equal((await entra('PATCH', `/Groups/${groupId}`, add)).status, 204);
      const group = await entra('GET', `/Groups/${groupId}`);
      assert.deepEqual(
        group.body.members.map((m: { value: string }) => m.value).sort(),
        [...memberIds].sort(),
      );
      const user = await entra('GET', `/Users/${memberIds[0]}`);
      assert.deepEqual(
        user.body.groups.map((g: { value: string }) => g.value),
        [groupId],
      );
    });

    test('E17 legacy remove with a value array removes only those members, never the whole group', async () => {
      const res = await entra(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'Remove', path: 'members', value: [{ value: memberIds[1] }] }),
      );
      assert.equal(res.status, 204, res.text);
      const group = await entra('GET', `/Groups/${groupId}`);
      assert.deepEqual(
        group.body.members.map((m: { value: string }) => m.value),
        [memberIds[0]],
      );
    });

    test('E18 remove by value filter', async () => {
      const res = await entra(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'remove', path: `members[value eq "${memberIds[0]}"]` }),
      );
      assert.equal(res.status, 204, res.text);
      const group = await entra('GET', `/Groups/${groupId}`);
      assert.deepEqual(group.body.members ?? [], []);
    });

    test('E12 delete suspends the member (P14): 404 to SCIM, still in the account', async () => {
      const res = await entra('DELETE', `/Users/${adaId}`);
      assert.equal(res.status, 204);
      assert.equal((await entra('GET', `/Users/${adaId}`)).status, 404);
      const member = await sys.store.getMember(adaId);
      assert.equal(member?.state, 'suspended');
      assert.equal(member?.scimDeleted, true);
    });

    test('E19 delete group', async () => {
      assert.equal((await entra('DELETE', `/Groups/${groupId}`)).status, 204);
      assert.equal((await entra('GET', `/Groups/${groupId}`)).status, 404);
    });

    test('no log line holds the bearer token; each request is logged with its IdP and outcome', () => {
      assert.ok(sys.logLines.length > 0);
      for (const line of sys.logLines) assert.ok(!line.includes(sys.token), 'a log line contains the token');
      const requests = sys.logLines
        .map((line) => JSON.parse(line))
        .filter((entry) => entry.msg === 'scim request');
      assert.ok(
        requests.some(
          (entry) => entry.idp === 'entra' && entry.op === 'users.create' && entry.status === 201,
        ),
      );
    });
  });
}
