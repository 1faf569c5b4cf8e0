/**
 * Moving an integration (P20) over real HTTP, on SQLite and PostgreSQL: the IdP's app is
 * re-created, so a new app with new credentials pushes the same group by name. Until an
 * administrator transfers the old integration's groups, the new app neither finds the group
 * nor may make a second one; after the transfer its lookup by displayName finds the group,
 * with its id and members, and it takes it over. The old token gets 401 throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transferManagedGroups } from '../../src/account/transfer-managed-groups.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { testDatabases } from '../support/requirements.ts';
import {
  eventually,
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const ADMIN = { memberId: null, name: 'command line (test)' };
const byName = (name: string) =>
  `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${name}"`)}`;
const values = (members: Array<{ value: string }> | undefined) => (members ?? []).map((m) => m.value).sort();

for (const db of testDatabases()) {
  describe(`moving an integration: the new app's same-named group (${db})`, () => {
    let sys: TestSystem;
    let oldToken = '';
    let ada = '';
    let lin = '';
    let groupId = '';
    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(() => sys?.close());

    const user = async (email: string) => {
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: email,
        emails: [{ value: email, primary: true }],
        active: true,
      });
      assert.equal(created.status, 201, created.text);
      return created.body.id as string;
    };
    const engineering = (members: string[]) => ({
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: members.map((value) => ({ value })),
    });

    test('the old app pushed a group; the app is re-created with new credentials', async () => {
      ada = await user('ada@example.com');
      lin = await user('lin@example.com');
      const created = await sys.scim('POST', '/Groups', engineering([ada]));
      assert.equal(created.status, 201, created.text);
      groupId = created.body.id;

      oldToken = sys.token;
      sys.token = await sys.regenerate({ newIntegration: true });
      await eventually(
        async () =>
          (await sys.scim('GET', '/Users', undefined, { authorization: `Bearer ${oldToken}` })).status ===
          401,
        'the old token being refused',
      );
      await eventually(async () => (await sys.scim('GET', '/Users')).status === 200, 'the new token working');
    });

    test('before the transfer the new app does not find the group and cannot make a second one', async () => {
      const found = await sys.scim('GET', byName('Engineering'));
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.totalResults, 0);
      assert.equal((await sys.scim('GET', `/Groups/${groupId}`)).status, 404);
      const refused = await sys.scim('POST', '/Groups', engineering([lin]));
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.body.scimType, 'uniqueness');
      assert.match(refused.body.detail, /previous integration managed it, transfer/);
      const groups = await sys.store.listGroups({ startIndex: 1, count: 100 });
      assert.equal(groups.items.filter((g) => g.displayName === 'Engineering').length, 1);
      assert.deepEqual(
        (await sys.store.listGroupMembers(groupId, { limit: 10 })).map((m) => m.id),
        [ada],
        'its members are as the old app left them',
      );
    });

    test('after the transfer the lookup by displayName finds it and the new app takes it over', async () => {
      const moved = await transferManagedGroups(
        { store: sys.store, clock: systemClock, ids: randomIds },
        ADMIN,
      );
      assert.deepEqual(
        moved.groups.map((g) => g.id),
        [groupId],
      );
      const found = await sys.scim('GET', byName('Engineering'));
      assert.equal(found.body.totalResults, 1, found.text);
      assert.equal(found.body.Resources[0].id, groupId);
      // A POST is refused as taken, never a duplicate; the app then updates the group it found.
      const again = await sys.scim('POST', '/Groups', engineering([lin]));
      assert.equal(again.status, 409, again.text);
      const replaced = await sys.scim(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'replace', path: 'members', value: [{ value: ada }, { value: lin }] }),
      );
      assert.ok(replaced.status === 200 || replaced.status === 204, replaced.text);
      const group = await sys.scim('GET', `/Groups/${groupId}`);
      assert.deepEqual(values(group.body.members), [ada, lin].sort());
      const all = await sys.scim('GET', '/Groups?excludedAttributes=members');
      assert.equal(all.body.totalResults, 1, 'one Engineering, no duplicate');
    });

    test('the old token still gets 401', async () => {
      const refused = await sys.scim('GET', byName('Engineering'), undefined, {
        authorization: `Bearer ${oldToken}`,
      });
      assert.equal(refused.status, 401, refused.text);
    });
  });
}
