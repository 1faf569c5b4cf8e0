/** createCustomGroup, renameGroup, removeGroup, setGroupManaged and listAllGroups: an administrator's groups. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  grantGroupVault,
  memberInput,
  openFixture,
} from '../../test/support/account-fixture.ts';
import type { AdminActor } from './admin-rules.ts';
import { createCustomGroup } from './create-custom-group.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { listAllGroups } from './list-all-groups.ts';
import { listGroups } from './list-groups.ts';
import { removeGroup } from './remove-group.ts';
import { renameGroup } from './rename-group.ts';
import { setGroupManaged } from './set-group-managed.ts';

const ADMIN: AdminActor = { memberId: 'admin-1', name: 'admin@acme.test' };
const AT = '2025-03-01T09:00:00.000Z';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`custom groups (${db})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await openFixture({ db });
    });
    afterEach(() => f.close());

    test('create: unmanaged unless asked, names checked, recorded with the administrator', async () => {
      const finance = await createCustomGroup(f.deps, ADMIN, { displayName: '  Finance ' });
      assert.deepEqual([finance.displayName, finance.kind, finance.managed], ['Finance', 'custom', false]);
      const entry = (await f.activity()).at(-1)!;
      assert.deepEqual([entry.action, entry.actor], ['group.created', 'admin']);
      assert.deepEqual(entry.detail, {
        displayName: 'Finance',
        managed: false,
        by: 'admin@acme.test',
        byMemberId: 'admin-1',
      });
      assert.equal(
        (await createCustomGroup(f.deps, ADMIN, { displayName: 'Sales', managed: true })).managed,
        true,
      );
      assert.equal(
        await errorCode(() => createCustomGroup(f.deps, ADMIN, { displayName: 'finance' })),
        'group_name_taken',
      );
      assert.equal(
        await errorCode(() => createCustomGroup(f.deps, ADMIN, { displayName: 'provision managers' })),
        'group_protected',
      );
      assert.equal(
        await errorCode(() => createCustomGroup(f.deps, ADMIN, { displayName: ' ' })),
        'invalid_input',
      );
      assert.equal(
        await errorCode(() => createCustomGroup(f.deps, ADMIN, { displayName: 'a\nb' })),
        'invalid_input',
      );
      // The IdP sees only the managed one (P17).
      const scim = await listGroups(f.deps, { startIndex: 1, count: 10 });
      assert.deepEqual(
        scim.items.map((g) => g.displayName),
        ['Sales'],
      );
    });

    test('rename by id or name; built-in groups keep their names (P19)', async () => {
      const finance = await createCustomGroup(f.deps, ADMIN, { displayName: 'Finance' });
      await createCustomGroup(f.deps, ADMIN, { displayName: 'Ops' });
      const renamed = await renameGroup(f.deps, ADMIN, 'finance', 'Money');
      assert.deepEqual(
        [renamed.changed, renamed.group.displayName, renamed.group.version],
        [true, 'Money', 2],
      );
      assert.deepEqual((await f.activity()).at(-1)!.detail, {
        from: 'Finance',
        to: 'Money',
        managed: false,
        by: 'admin@acme.test',
        byMemberId: 'admin-1',
      });
      assert.equal((await renameGroup(f.deps, ADMIN, finance.id, 'Money')).changed, false);
      assert.equal(await errorCode(() => renameGroup(f.deps, ADMIN, finance.id, 'OPS')), 'group_name_taken');
      assert.equal(
        await errorCode(() => renameGroup(f.deps, ADMIN, finance.id, 'Owners')),
        'group_protected',
      );
      for (const kind of ['owners', 'administrators', 'team_members', 'provision_managers'] as const) {
        const group = (await f.deps.store.findGroupByKind(kind))!;
        assert.equal(
          await errorCode(() => renameGroup(f.deps, ADMIN, group.id, 'Other')),
          'group_protected',
          kind,
        );
        assert.equal(await errorCode(() => removeGroup(f.deps, ADMIN, group.id)), 'group_protected', kind);
        assert.equal(
          await errorCode(() => setGroupManaged(f.deps, ADMIN, group.id, true)),
          'group_protected',
          kind,
        );
      }
      await assert.rejects(
        renameGroup(f.deps, ADMIN, 'Provision Managers', 'x'),
        /belongs to the provisioning integration itself/,
      );
      assert.equal(await errorCode(() => renameGroup(f.deps, ADMIN, 'nope', 'x')), 'group_not_found');
    });

    test('delete removes the group and its memberships, not the members; never the last group of a vault', async () => {
      const grace = await createMember(f.deps, memberInput());
      const eng = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [grace.id]);
      const ledger = await createCustomGroup(f.deps, ADMIN, { displayName: 'Ledger keepers' });
      await grantGroupVault(f, {
        groupId: ledger.id,
        publicKey: 'pk',
        vaultId: 'v-1',
        vaultName: 'Ledger',
        sealedVaultKey: 's',
        at: AT,
      });
      await assert.rejects(
        removeGroup(f.deps, ADMIN, ledger.id),
        /only group that can open the vault "Ledger"/,
      );
      assert.ok(await f.deps.store.getGroup(ledger.id));

      const removed = await removeGroup(f.deps, ADMIN, 'eng');
      assert.equal(removed.managed, true);
      assert.equal(await f.deps.store.getGroup(eng.id), undefined);
      assert.ok(await f.deps.store.getMember(grace.id));
      const entry = (await f.activity()).at(-1)!;
      assert.deepEqual(
        [entry.action, entry.detail.members, entry.detail.managed],
        ['group.deleted', 1, true],
      );
    });

    test('the managed-groups list: hand a custom group to provisioning and take it back (P17)', async () => {
      const finance = await createCustomGroup(f.deps, ADMIN, { displayName: 'Finance' });
      const on = await setGroupManaged(f.deps, ADMIN, finance.id, true);
      assert.deepEqual([on.changed, on.group.managed], [true, true]);
      assert.equal((await setGroupManaged(f.deps, ADMIN, finance.id, true)).changed, false);
      assert.deepEqual(
        (await listAllGroups(f.deps, { managed: true })).map((s) => s.group.displayName),
        ['Finance'],
      );
      await setGroupManaged(f.deps, ADMIN, finance.id, false);
      assert.deepEqual(await listAllGroups(f.deps, { managed: true }), []);
      assert.deepEqual((await f.actions()).slice(-2), ['group.managed', 'group.unmanaged']);
    });

    test('listAllGroups: built-in and custom groups with member counts', async () => {
      const grace = await createMember(f.deps, memberInput());
      await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [grace.id]);
      const all = await listAllGroups(f.deps);
      assert.deepEqual(
        all.map((s) => [s.group.displayName, s.group.kind, s.memberCount]),
        [
          ['Owners', 'owners', 1],
          ['Administrators', 'administrators', 0],
          ['Team Members', 'team_members', 2],
          ['Provision Managers', 'provision_managers', 0],
          ['Eng', 'custom', 1],
        ],
      );
      assert.deepEqual(
        (await listAllGroups(f.deps, { managed: false })).map((s) => s.group.displayName),
        ['Owners', 'Administrators', 'Team Members', 'Provision Managers'],
      );
    });
  });
}
