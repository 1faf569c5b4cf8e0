/** (P18) An administrator changes a group's permission on a vault; a vault always keeps a manager. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, grantGroupVault, openFixture } from '../../test/support/account-fixture.ts';
import type { AdminActor } from './admin-rules.ts';
import { changeVaultPermission } from './change-vault-permission.ts';
import { createGroup } from './create-group.ts';
import { deleteGroup } from './delete-group.ts';
import { AccountError } from './errors.ts';
import type { Group } from './model.ts';
import { removeGroup } from './remove-group.ts';
import { revokeVaultGrant } from './vault-grants.ts';

const AT = '2025-03-01T09:00:00.000Z';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`changing a vault permission (${db})`, () => {
    let f: Fixture;
    let actor: AdminActor;
    let eng: Group;
    let ops: Group;

    /** Engineering (IdP-managed) manages the vault Handbook; Operations views it. */
    beforeEach(async () => {
      f = await openFixture({ db });
      actor = { memberId: f.owner.id, name: f.owner.email };
      eng = await createGroup(f.deps, { displayName: 'Engineering', externalId: null }, []);
      ops = await createGroup(f.deps, { displayName: 'Operations', externalId: null }, []);
      await grantGroupVault(f, {
        groupId: eng.id,
        publicKey: 'pub-eng',
        vaultId: 'v1',
        vaultName: 'Handbook',
        sealedVaultKey: 'sealed-eng',
        at: AT,
      });
      await f.deps.store.insertGroupKey({
        groupId: ops.id,
        publicKey: 'pub-ops',
        sealedForProvisioning: null,
        createdAt: AT,
      });
      await f.deps.store.saveVaultGrant({
        vaultId: 'v1',
        groupId: ops.id,
        sealedVaultKey: 'sealed-ops',
        createdAt: AT,
        permission: 'view',
      });
    });
    afterEach(() => f.close());

    const permissions = async () =>
      (await f.deps.store.listVaultGrants('v1')).map((grant) => [grant.groupId, grant.permission]).sort();

    test('a change is stored and recorded: who, vault, group, from and to', async () => {
      const change = await changeVaultPermission(f.deps, actor, {
        vaultId: 'v1',
        groupId: ops.id,
        permission: 'edit',
      });
      assert.deepEqual([change.from, change.to], ['view', 'edit']);
      assert.deepEqual(
        await permissions(),
        [
          [eng.id, 'manage'],
          [ops.id, 'edit'],
        ].sort(),
      );
      const entry = (await f.activity()).at(-1)!;
      assert.equal(entry.action, 'vault.permission_changed');
      assert.equal(entry.targetId, ops.id);
      assert.deepEqual(entry.detail, {
        vaultId: 'v1',
        vault: 'Handbook',
        group: 'Operations',
        from: 'view',
        to: 'edit',
        by: f.owner.email,
        byMemberId: f.owner.id,
      });
    });

    test('the last manager cannot be lowered; once another group manages, it can', async () => {
      const before = await f.actions();
      for (const level of ['edit', 'view'] as const) {
        await assert.rejects(
          changeVaultPermission(f.deps, actor, { vaultId: 'v1', groupId: eng.id, permission: level }),
          (error: unknown) =>
            error instanceof AccountError &&
            error.code === 'last_vault_manager' &&
            error.message.includes('Engineering is the only group that manages Handbook'),
        );
      }
      assert.deepEqual(await f.actions(), before, 'nothing recorded');
      await changeVaultPermission(f.deps, actor, { vaultId: 'v1', groupId: ops.id, permission: 'manage' });
      await changeVaultPermission(f.deps, actor, { vaultId: 'v1', groupId: eng.id, permission: 'view' });
      assert.deepEqual(
        await permissions(),
        [
          [eng.id, 'view'],
          [ops.id, 'manage'],
        ].sort(),
      );
    });

    test('two administrators lowering the two managers at once: one of them is refused', async () => {
      await f.deps.store.setVaultGrantPermission('v1', ops.id, 'manage');
      const results = await Promise.allSettled([
        changeVaultPermission(f.deps, actor, { vaultId: 'v1', groupId: eng.id, permission: 'view' }),
        changeVaultPermission(f.deps, actor, { vaultId: 'v1', groupId: ops.id, permission: 'view' }),
      ]);
      assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
      const managers = (await permissions()).filter(([, permission]) => permission === 'manage');
      assert.equal(managers.length, 1);
    });

    test('bad input changes nothing: no such level, vault, group or grant', async () => {
      const keyless = await createGroup(f.deps, { displayName: 'Keyless', externalId: null }, []);
      const cases: Array<[string, { vaultId: unknown; groupId: unknown; permission: unknown }, string]> = [
        [
          'a level that is none of the three',
          { vaultId: 'v1', groupId: ops.id, permission: 'owner' },
          'invalid_input',
        ],
        ['no level', { vaultId: 'v1', groupId: ops.id, permission: undefined }, 'invalid_input'],
        ['no such vault', { vaultId: 'ghost', groupId: ops.id, permission: 'edit' }, 'invalid_input'],
        ['no such group', { vaultId: 'v1', groupId: 'ghost', permission: 'edit' }, 'group_not_found'],
        [
          'a group that does not open it',
          { vaultId: 'v1', groupId: keyless.id, permission: 'edit' },
          'invalid_input',
        ],
        ['a group id that is no string', { vaultId: 'v1', groupId: 7, permission: 'edit' }, 'invalid_input'],
      ];
      const before = await f.actions();
      for (const [name, input, code] of cases)
        assert.equal(await errorCode(() => changeVaultPermission(f.deps, actor, input)), code, name);
      assert.deepEqual(
        await permissions(),
        [
          [eng.id, 'manage'],
          [ops.id, 'view'],
        ].sort(),
      );
      assert.deepEqual(await f.actions(), before);
    });

    test('the same level again changes and records nothing', async () => {
      const before = await f.actions();
      const change = await changeVaultPermission(f.deps, actor, {
        vaultId: 'v1',
        groupId: ops.id,
        permission: 'view',
      });
      assert.deepEqual([change.from, change.to], ['view', 'view']);
      assert.deepEqual(await f.actions(), before);
    });

    test('the last managing group can be neither revoked nor deleted, by an administrator or by the IdP', async () => {
      assert.equal(
        await errorCode(() => revokeVaultGrant(f.deps, actor, { vaultId: 'v1', groupId: eng.id })),
        'last_vault_manager',
      );
      await assert.rejects(
        deleteGroup(f.deps, eng.id),
        (error: unknown) =>
          error instanceof AccountError &&
          error.code === 'group_protected' &&
          /Engineering is the only group that manages the vault "Handbook"/.test(error.message),
      );
      assert.equal(await errorCode(() => removeGroup(f.deps, actor, eng.id)), 'group_protected');
      assert.deepEqual(
        await permissions(),
        [
          [eng.id, 'manage'],
          [ops.id, 'view'],
        ].sort(),
      );
      // A group that only views goes; the vault keeps its manager.
      await deleteGroup(f.deps, ops.id);
      assert.deepEqual(await permissions(), [[eng.id, 'manage']]);
    });
  });
}
