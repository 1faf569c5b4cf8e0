/**
 * Replays what JumpCloud does (research/idp-behaviour.md §5, J1–J3 and §9) against a real
 * scimbridge over HTTP, on SQLite and on PostgreSQL. JumpCloud documents the operations
 * (its "SCIM DI events") but not every wire shape: where the research marks a shape [U] or
 * [3P], the test sends the RFC 7644 form the bridge must accept either way, and says so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCustomGroup } from '../../src/account/create-custom-group.ts';
import { setGroupManaged } from '../../src/account/set-group-managed.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { testDatabases } from '../support/requirements.ts';
import { GROUP_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

// The User-Agent is not documented [U]; the bridge names the IdP from it only for its reports.
const JUMPCLOUD = { 'user-agent': 'JumpCloud SCIM Client', accept: 'application/scim+json' };
const q = (filter: string) => encodeURIComponent(filter);
const values = (members: Array<{ value: string }> | undefined) => (members ?? []).map((m) => m.value).sort();

/** JumpCloud requires first and last names; "no special attribute mapping or extension schemas". */
function person(email: string, givenName: string, familyName: string, active = true) {
  return {
    schemas: [USER_SCHEMA],
    userName: email,
    name: { givenName, familyName },
    displayName: `${givenName} ${familyName}`,
    emails: [{ value: email, type: 'work', primary: true }],
    active,
  };
}

for (const db of testDatabases()) {
  describe(`JumpCloud request sequence (${db})`, () => {
    let sys: TestSystem;
    const jc = (method: string, path: string, body?: unknown) => sys.scim(method, path, body, JUMPCLOUD);
    let linusId = '';
    let margaretId = '';
    let takenOverUserId = '';
    let designId = '';
    let engineeringId = '';

    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(async () => {
      await sys.close();
    });

    /** J1: Test Connection writes a test user and a test group, then deletes both. */
    async function connectionTest(testEmail: string) {
      const user = await jc('POST', '/Users', person(testEmail, 'Test', 'User'));
      assert.equal(user.status, 201, user.text);
      const group = await jc('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'JumpCloud Test Group',
        members: [{ value: user.body.id }],
      });
      assert.equal(group.status, 201, group.text);
      assert.equal((await jc('DELETE', `/Users/${user.body.id}`)).status, 204);
      assert.equal((await jc('DELETE', `/Groups/${group.body.id}`)).status, 204);
      return { userId: user.body.id as string, groupId: group.body.id as string };
    }

    test('J1 connection test: the test user and group are written, then deleted without a trace in SCIM', async () => {
      const { userId, groupId } = await connectionTest('scim-test@example.com');
      assert.equal((await jc('GET', `/Users/${userId}`)).status, 404);
      assert.equal((await jc('GET', `/Groups/${groupId}`)).status, 404);
      const lookup = await jc('GET', `/Groups?filter=${q('displayName eq "JumpCloud Test Group"')}`);
      assert.equal(lookup.body.totalResults, 0, 'the test group is gone, so the next test can make it again');
      // P14: provisioning never deletes a person; the test user stays in the account, suspended.
      const member = await sys.store.getMember(userId);
      assert.equal(member?.state, 'suspended');
      assert.equal(member?.scimDeleted, true);
      // The test address is not left with a live invitation: its queued mail is given up.
      const mail = (await sys.store.listMail({ limit: 50 })).filter((m) => m.to === 'scim-test@example.com');
      assert.equal(mail.length, 1);
      assert.equal(mail[0]?.state, 'failed');
      assert.equal(mail[0]?.lastError, 'not sent: the member was suspended');
    });

    test('J1 again: editing an active connector re-runs the test with the same e-mail, and it passes', async () => {
      const again = await connectionTest('scim-test@example.com');
      assert.equal((await sys.store.getMember(again.userId))?.state, 'suspended');
      const users = await jc('GET', `/Users?filter=${q('userName eq "scim-test@example.com"')}`);
      assert.equal(users.body.totalResults, 0, 'the deleted test user is not offered back to lookups');
    });

    test('J2 lookup before create (user_lookup_provision) finds nothing: 200 and an empty list', async () => {
      const res = await jc('GET', `/Users?filter=${q('userName eq "linus@example.com"')}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    });

    test('create (user_create_provision) with first and last names: 201, invited by e-mail (P9)', async () => {
      const linus = await jc('POST', '/Users', person('linus@example.com', 'Linus', 'Pauling'));
      assert.equal(linus.status, 201, linus.text);
      linusId = linus.body.id;
      assert.equal(linus.body.name.givenName, 'Linus');
      assert.equal(linus.body.name.familyName, 'Pauling');
      const margaret = await jc('POST', '/Users', person('margaret@example.com', 'Margaret', 'Hamilton'));
      assert.equal(margaret.status, 201, margaret.text);
      margaretId = margaret.body.id;
      const mail = await sys.store.listMail({ limit: 50 });
      assert.ok(mail.some((m) => m.to === 'linus@example.com' && m.template === 'invitation'));
    });

    test('an existing user with the same username is found by the lookup and taken over, not duplicated', async () => {
      // Made before the connector was activated (by another client or an earlier import).
      const before = await sys.scim('POST', '/Users', person('dorothy@example.com', 'Dorothy', 'Vaughan'));
      assert.equal(before.status, 201, before.text);
      const found = await jc('GET', `/Users?filter=${q('userName eq "Dorothy@Example.com"')}`);
      assert.equal(found.body.totalResults, 1);
      takenOverUserId = found.body.Resources[0].id;
      assert.equal(takenOverUserId, before.body.id);
      const updated = await jc(
        'PATCH',
        `/Users/${takenOverUserId}`,
        patch({ op: 'replace', path: 'name.familyName', value: 'Johnson Vaughan' }),
      );
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.name.familyName, 'Johnson Vaughan');
    });

    test('update (user_update_provision) — by PATCH and by PUT, since the verb is not documented [U]', async () => {
      const patched = await jc(
        'PATCH',
        `/Users/${linusId}`,
        patch(
          { op: 'replace', path: 'displayName', value: 'Linus C. Pauling' },
          { op: 'replace', path: 'name.givenName', value: 'Linus Carl' },
        ),
      );
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.displayName, 'Linus C. Pauling');
      const put = await jc('PUT', `/Users/${linusId}`, {
        ...person('linus@example.com', 'Linus', 'Pauling'),
        id: linusId,
        title: 'Chemist',
      });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.title, 'Chemist');
      assert.equal(put.body.name.givenName, 'Linus');
    });

    test('groups only with members: a group is created with its members in the same POST', async () => {
      const res = await jc('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Engineering',
        members: [{ value: linusId }, { value: margaretId }],
      });
      assert.equal(res.status, 201, res.text);
      engineeringId = res.body.id;
      assert.deepEqual(values(res.body.members), [linusId, margaretId].sort());
      const user = await jc('GET', `/Users/${margaretId}`);
      assert.deepEqual(
        user.body.groups.map((g: { value: string }) => g.value),
        [engineeringId],
      );
    });

    test('a same-named group made by hand is refused until an administrator hands it over (P17)', async () => {
      const deps = { store: sys.store, clock: systemClock, ids: randomIds };
      const actor = { memberId: null, name: 'command line (test)' };
      const existing = await createCustomGroup(deps, actor, { displayName: 'Design' });
      designId = existing.id;
      const hidden = await jc('GET', `/Groups?filter=${q('displayName eq "Design"')}`);
      assert.equal(hidden.body.totalResults, 0, 'a custom group is not visible to the IdP');
      const refused = await jc('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Design',
        members: [{ value: margaretId }],
      });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.body.scimType, 'uniqueness');
      assert.match(refused.body.detail, /Design/);
      assert.match(refused.body.detail, /managed-groups list/, 'the detail says how to hand it over');
      assert.deepEqual(await sys.store.listGroupMembers(designId, { limit: 10 }), []);
      // `scimbridge group managed Design on`
      await setGroupManaged(deps, actor, 'Design', true);
    });

    test('takeover of a same-named group: found by displayName, then its members are set', async () => {
      const found = await jc('GET', `/Groups?filter=${q('displayName eq "Design"')}`);
      assert.equal(found.status, 200);
      assert.equal(found.body.totalResults, 1);
      assert.equal(found.body.Resources[0].id, designId);
      const add = patch({
        op: 'add',
        path: 'members',
        value: [{ value: margaretId }, { value: takenOverUserId }],
      });
      const res = await jc('PATCH', `/Groups/${designId}`, add);
      assert.ok(res.status === 200 || res.status === 204, res.text);
      const group = await jc('GET', `/Groups/${designId}`);
      assert.equal(group.body.displayName, 'Design');
      assert.deepEqual(values(group.body.members), [margaretId, takenOverUserId].sort());
    });

    test('repeated add-member operations change nothing and never fail', async () => {
      const add = patch({ op: 'add', path: 'members', value: [{ value: margaretId }] });
      for (let i = 0; i < 3; i++) {
        const res = await jc('PATCH', `/Groups/${designId}`, add);
        assert.ok(res.status === 200 || res.status === 204, res.text);
      }
      const group = await jc('GET', `/Groups/${designId}`);
      assert.deepEqual(values(group.body.members), [margaretId, takenOverUserId].sort());
    });

    test('J3 remove members with a value array and no filter removes only those members', async () => {
      const res = await jc(
        'PATCH',
        `/Groups/${designId}`,
        patch({ op: 'remove', path: 'members', value: [{ value: takenOverUserId }] }),
      );
      assert.ok(res.status === 200 || res.status === 204, res.text);
      const group = await jc('GET', `/Groups/${designId}`);
      assert.deepEqual(values(group.body.members), [margaretId]);
    });

    test('rename (group_update_provision) keeps the members', async () => {
      const res = await jc(
        'PATCH',
        `/Groups/${engineeringId}`,
        patch({ op: 'replace', path: 'displayName', value: 'Engineering Team' }),
      );
      assert.ok(res.status === 200 || res.status === 204, res.text);
      const group = await jc('GET', `/Groups/${engineeringId}`);
      assert.equal(group.body.displayName, 'Engineering Team');
      assert.deepEqual(values(group.body.members), [linusId, margaretId].sort());
    });

    test('deactivate (user_deprovision, "change to inactive") suspends; reactivate restores', async () => {
      const off = await jc(
        'PATCH',
        `/Users/${linusId}`,
        patch({ op: 'replace', path: 'active', value: false }),
      );
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      assert.equal((await sys.store.getMember(linusId))?.state, 'suspended');
      const visible = await jc('GET', `/Users?filter=${q('userName eq "linus@example.com"')}`);
      assert.equal(visible.body.totalResults, 1, 'an inactive user stays visible to the next lookup');
      assert.equal(visible.body.Resources[0].active, false);
      const on = await jc(
        'PATCH',
        `/Users/${linusId}`,
        patch({ op: 'replace', path: 'active', value: true }),
      );
      assert.equal(on.status, 200, on.text);
      assert.equal(on.body.active, true);
      assert.notEqual((await sys.store.getMember(linusId))?.state, 'suspended');
    });

    test('deactivate by PUT with active false also suspends', async () => {
      const off = await jc('PUT', `/Users/${margaretId}`, {
        ...person('margaret@example.com', 'Margaret', 'Hamilton', false),
      });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      assert.equal((await sys.store.getMember(margaretId))?.state, 'suspended');
      const on = await jc(
        'PUT',
        `/Users/${margaretId}`,
        person('margaret@example.com', 'Margaret', 'Hamilton'),
      );
      assert.equal(on.body.active, true);
    });

    test('import reads every user with GET /Users', async () => {
      const res = await jc('GET', '/Users?startIndex=1&count=100');
      assert.equal(res.status, 200);
      const names = res.body.Resources.map((u: { userName: string }) => u.userName);
      for (const email of ['linus@example.com', 'margaret@example.com', 'dorothy@example.com'])
        assert.ok(names.includes(email), email);
    });

    test('group delete (group_delete_provision) and user delete (user_delete_provision, P14 suspends)', async () => {
      assert.equal((await jc('DELETE', `/Groups/${engineeringId}`)).status, 204);
      assert.equal((await jc('GET', `/Groups/${engineeringId}`)).status, 404);
      assert.equal((await jc('DELETE', `/Users/${linusId}`)).status, 204);
      assert.equal((await sys.store.getMember(linusId))?.state, 'suspended');
    });

    test('each request is logged as JumpCloud, and no line holds the token', () => {
      for (const line of sys.logLines) assert.ok(!line.includes(sys.token));
      const requests = sys.logLines
        .map((line) => JSON.parse(line))
        .filter((entry) => entry.msg === 'scim request');
      assert.ok(requests.some((entry) => entry.idp === 'jumpcloud' && entry.op === 'groups.create'));
    });
  });
}
