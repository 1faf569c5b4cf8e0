/** Granting an existing vault to another group and revoking a grant: an administrator's acts. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, openFixture } from '../../test/support/account-fixture.ts';
import {
  createGroupKeyPair,
  createVaultKey,
  importGroupPrivateKey,
  openVaultKey,
  PROVISIONING_RECIPIENT,
  sealGroupPrivateKey,
  sealVaultKey,
} from '../crypto/key-chain.ts';
import { generateExportedKeyPair } from '../crypto/keys.ts';
import type { AdminActor } from './admin-rules.ts';
import { createGroup } from './create-group.ts';
import type { Group } from './model.ts';
import { grantVaultToGroup, revokeVaultGrant, vaultGrantState } from './vault-grants.ts';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`vault grants by an administrator (${db})`, () => {
    let f: Fixture;
    let actor: AdminActor;
    let eng: Group;
    let ops: Group;
    const pairs = new Map<string, Awaited<ReturnType<typeof createGroupKeyPair>>>();
    const vaultKey = createVaultKey();

    async function keyed(group: Group, shareWithOwner: boolean): Promise<void> {
      const pair = await createGroupKeyPair();
      pairs.set(group.id, pair);
      const provisioning = await generateExportedKeyPair('X25519');
      await f.deps.store.insertGroupKey({
        groupId: group.id,
        publicKey: pair.publicKey,
        sealedForProvisioning: await sealGroupPrivateKey(group.id, pair.privateKey, {
          id: PROVISIONING_RECIPIENT,
          publicKey: provisioning.publicKey,
        }),
        createdAt: '2025-03-01T09:00:00.000Z',
      });
      if (shareWithOwner)
        await f.deps.store.addGroupKeyShares([
          {
            groupId: group.id,
            memberId: f.owner.id,
            sealedPrivateKey: 'sbs1.a.b.c',
            createdAt: '2025-03-01T09:00:00.000Z',
          },
        ]);
    }

    const sealFor = (group: Group) =>
      sealVaultKey('v1', vaultKey, { id: group.id, publicKey: pairs.get(group.id)!.publicKey });

    beforeEach(async () => {
      f = await openFixture({ db });
      actor = { memberId: f.owner.id, name: f.owner.email };
      const ownerKeys = await generateExportedKeyPair('X25519');
      await f.deps.store.saveMemberKeys({
        memberId: f.owner.id,
        publicKey: ownerKeys.publicKey,
        encryptedPrivateKey: 'x',
        createdAt: f.owner.createdAt,
      });
      await f.deps.store.updateMember(
        { ...f.owner, state: 'active', version: f.owner.version + 1 },
        f.owner.version,
      );
      eng = await createGroup(f.deps, { displayName: 'Engineering', externalId: null }, []);
      ops = await createGroup(f.deps, { displayName: 'Operations', externalId: null }, []);
      await keyed(f.teamMembers, true);
      await keyed(eng, false);
      await keyed(ops, false);
      await f.deps.store.insertVault({ id: 'v1', name: 'Handbook', createdAt: '2025-03-01T09:00:00.000Z' });
      await f.deps.store.saveVaultGrant({
        vaultId: 'v1',
        groupId: f.teamMembers.id,
        sealedVaultKey: await sealFor(f.teamMembers),
        createdAt: '2025-03-01T09:00:00.000Z',
        permission: 'manage',
      });
    });
    afterEach(() => f.close());

    test('the page state: who opens it, where it may go, through which group the administrator opens it', async () => {
      const state = await vaultGrantState(f.deps, f.owner.id, 'v1');
      assert.deepEqual(
        state.granted.map((g) => g.displayName),
        ['Team Members'],
      );
      assert.deepEqual(state.candidates.map((g) => g.displayName).sort(), ['Engineering', 'Operations']);
      assert.deepEqual(state.heldBy, ['Team Members']);
    });

    test('a grant stores the sealed key, which opens with the group key, and names the administrator', async () => {
      await grantVaultToGroup(f.deps, actor, {
        vaultId: 'v1',
        groupId: eng.id,
        sealedVaultKey: await sealFor(eng),
        permission: 'edit',
      });
      const grant = (await f.deps.store.listVaultGrants('v1')).find((g) => g.groupId === eng.id)!;
      const opened = await openVaultKey(
        'v1',
        grant.sealedVaultKey,
        await importGroupPrivateKey(pairs.get(eng.id)!.privateKey),
        {
          id: eng.id,
          publicKey: pairs.get(eng.id)!.publicKey,
        },
      );
      assert.deepEqual(opened, vaultKey);
      const entry = (await f.activity()).at(-1)!;
      assert.deepEqual(
        [entry.action, entry.actor, entry.detail.by, entry.detail.vault],
        ['vault.granted', 'admin', 'owner@acme.test', 'Handbook'],
      );
      assert.equal(grant.permission, 'edit');
      assert.equal(entry.detail.permission, 'edit');
    });

    test('refusals change nothing: twice, no group, no vault, not a seal, a group without keys', async () => {
      const keyless = await createGroup(f.deps, { displayName: 'Keyless', externalId: null }, []);
      const good = await sealFor(eng);
      const cases: Array<
        [string, { vaultId: string; groupId: unknown; sealedVaultKey: unknown; permission?: unknown }, string]
      > = [
        [
          'a permission that is no level',
          { vaultId: 'v1', groupId: eng.id, sealedVaultKey: good, permission: 'owner' },
          'invalid_input',
        ],
        [
          'already granted',
          { vaultId: 'v1', groupId: f.teamMembers.id, sealedVaultKey: good },
          'invalid_input',
        ],
        ['no such group', { vaultId: 'v1', groupId: 'ghost', sealedVaultKey: good }, 'group_not_found'],
        ['no such vault', { vaultId: 'ghost', groupId: eng.id, sealedVaultKey: good }, 'invalid_input'],
        [
          'not a seal',
          { vaultId: 'v1', groupId: eng.id, sealedVaultKey: 'the key in clear' },
          'invalid_input',
        ],
        [
          'a group id that is no string',
          { vaultId: 'v1', groupId: 7, sealedVaultKey: good },
          'invalid_input',
        ],
        [
          'a group without a key pair',
          { vaultId: 'v1', groupId: keyless.id, sealedVaultKey: good },
          'invalid_input',
        ],
      ];
      const before = await f.actions();
      for (const [name, input, code] of cases)
        assert.equal(
          await errorCode(() => grantVaultToGroup(f.deps, actor, { permission: 'view', ...input })),
          code,
          name,
        );
      assert.deepEqual(
        (await f.deps.store.listVaultGrants('v1')).map((g) => g.groupId),
        [f.teamMembers.id],
      );
      assert.deepEqual(await f.actions(), before);
    });

    test('revoking takes one grant away, never the last one nor the last manager', async () => {
      await grantVaultToGroup(f.deps, actor, {
        vaultId: 'v1',
        groupId: eng.id,
        sealedVaultKey: await sealFor(eng),
        permission: 'view',
      });
      assert.equal(
        await errorCode(() => revokeVaultGrant(f.deps, actor, { vaultId: 'v1', groupId: f.teamMembers.id })),
        'last_vault_manager',
        'Engineering only views: Team Members is the last manager',
      );
      await f.deps.store.setVaultGrantPermission('v1', eng.id, 'manage');
      await revokeVaultGrant(f.deps, actor, { vaultId: 'v1', groupId: f.teamMembers.id });
      assert.deepEqual(
        (await f.deps.store.listVaultGrants('v1')).map((g) => g.groupId),
        [eng.id],
      );
      assert.equal((await f.activity()).at(-1)!.action, 'vault.revoked');
      const last = await errorCode(() => revokeVaultGrant(f.deps, actor, { vaultId: 'v1', groupId: eng.id }));
      assert.equal(last, 'invalid_input');
      assert.equal(
        await errorCode(() => revokeVaultGrant(f.deps, actor, { vaultId: 'v1', groupId: ops.id })),
        'invalid_input',
      );
      assert.deepEqual(
        (await f.deps.store.listVaultGrants('v1')).map((g) => g.groupId),
        [eng.id],
      );
      // Nothing the administrator holds opens it now.
      assert.deepEqual((await vaultGrantState(f.deps, f.owner.id, 'v1')).heldBy, []);
    });
  });
}
