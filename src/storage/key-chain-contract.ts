/**
 * The Store contract for the key chain (migration 4): group keys, shares, vaults, grants,
 * pending members and the sign-up counter. Run from each store's test file next to the
 * main contract; the values are opaque strings here (the crypto has its own tests).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { GroupKey, GroupKeyShare, VaultPermission } from '../account/model.ts';
import { type Store, UniqueViolation } from '../account/store.ts';
import { makeGroup, makeMember } from './contract.ts';

const AT = '2024-01-01T00:00:00.000Z';

const key = (groupId: string, sealed: string | null = `sealed-prov-${groupId}`): GroupKey => ({
  groupId,
  publicKey: `pub-${groupId}`,
  sealedForProvisioning: sealed,
  createdAt: AT,
});

const share = (groupId: string, memberId: string): GroupKeyShare => ({
  groupId,
  memberId,
  sealedPrivateKey: `share-${groupId}-${memberId}`,
  createdAt: AT,
});

export function describeKeyChainContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract, key chain: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    /** m1, m2 active with keys; m3 pending with a key; m4 pending without one; g1, g2 keyed; g3 not. */
    async function seed(): Promise<void> {
      await store.insertMember(makeMember('m1'));
      await store.insertMember(makeMember('m2'));
      await store.insertMember(makeMember('m3', { state: 'pending' }));
      await store.insertMember(makeMember('m4', { state: 'pending' }));
      for (const id of ['m1', 'm2', 'm3']) {
        await store.saveMemberKeys({
          memberId: id,
          publicKey: `mpub-${id}`,
          encryptedPrivateKey: 'x',
          createdAt: AT,
        });
      }
      for (const id of ['g1', 'g2', 'g3']) await store.insertGroup(makeGroup(id));
      await store.insertGroupKey(key('g1'));
      await store.insertGroupKey(key('g2'));
    }

    /** Saves a vault grant made at AT. */
    function grant(vaultId: string, groupId: string, sealedVaultKey: string, permission: VaultPermission) {
      return store.saveVaultGrant({ vaultId, groupId, sealedVaultKey, createdAt: AT, permission });
    }

    test('group keys: inserted once, the first one wins, read in bulk', async () => {
      await seed();
      assert.equal(await store.insertGroupKey({ ...key('g1'), publicKey: 'other' }), false);
      assert.equal(await store.insertGroupKey(key('g3', null)), true);
      const keys = await store.getGroupKeys(['g1', 'g3', 'ghost']);
      assert.deepEqual(
        keys.sort((a, b) => a.groupId.localeCompare(b.groupId)),
        [key('g1'), key('g3', null)],
      );
      assert.deepEqual(await store.getGroupKeys([]), []);
    });

    test('provisioning seals: listed by keyset, replaced only for the same key pair', async () => {
      await seed();
      await store.insertGroupKey(key('g3', null));
      assert.deepEqual(
        (await store.listProvisioningGroupKeys({ limit: 1 })).map((k) => k.groupId),
        ['g1'],
      );
      assert.deepEqual(
        (await store.listProvisioningGroupKeys({ afterGroupId: 'g1', limit: 5 })).map((k) => k.groupId),
        ['g2'],
      );
      assert.equal(await store.replaceProvisioningSeal('g1', 'pub-g1', 'resealed'), true);
      assert.equal(await store.replaceProvisioningSeal('g2', 'another key pair', 'resealed'), false);
      assert.equal(
        await store.replaceProvisioningSeal('g3', 'pub-g3', 'resealed'),
        false,
        'never sealed: stays so',
      );
      const keys = await store.getGroupKeys(['g1', 'g2', 'g3']);
      assert.deepEqual(keys.map((k) => [k.groupId, k.sealedForProvisioning]).sort(), [
        ['g1', 'resealed'],
        ['g2', 'sealed-prov-g2'],
        ['g3', null],
      ]);
    });

    test('provisioning seals: replaced and given only where the bridge may hold the key, withdrawn on request', async () => {
      await seed();
      await store.insertGroup(makeGroup('unmanaged', { managed: false }));
      await store.insertGroup(makeGroup('admins', { kind: 'administrators', managed: false }));
      await store.insertGroup(makeGroup('team', { kind: 'team_members', managed: false }));
      for (const id of ['unmanaged', 'admins', 'team']) await store.insertGroupKey(key(id));
      // g1 to g3 are set aside by a re-created integration (P20): no longer managed, their seals kept.
      assert.equal(await store.releaseManagedGroups('old-integration', AT), 3);
      const refused = ['unmanaged', 'admins', 'g1', 'g2'];
      for (const id of refused) {
        assert.equal(await store.replaceProvisioningSeal(id, `pub-${id}`, 'resealed'), false, id);
        assert.equal(await store.giveProvisioningSeal(id, `pub-${id}`, 'given'), false, id);
      }
      assert.equal(await store.replaceProvisioningSeal('team', 'pub-team', 'resealed'), true);
      await store.transferPreviousIntegrationGroups(AT);
      assert.equal(await store.replaceProvisioningSeal('g2', 'pub-g2', 'resealed'), true, 'transferred');
      assert.equal(await store.withdrawProvisioningSeal('g2'), true);
      assert.equal(await store.withdrawProvisioningSeal('g2'), false, 'nothing left to withdraw');
      assert.equal(
        await store.replaceProvisioningSeal('g2', 'pub-g2', 'resealed'),
        false,
        'no seal to replace',
      );
      assert.equal(await store.giveProvisioningSeal('g2', 'another key pair', 'given'), false);
      assert.equal(await store.giveProvisioningSeal('g2', 'pub-g2', 'given'), true);
      const keys = await store.getGroupKeys([...refused, 'team']);
      assert.deepEqual(keys.map((k) => [k.groupId, k.sealedForProvisioning]).sort(), [
        ['admins', 'sealed-prov-admins'],
        ['g1', 'sealed-prov-g1'],
        ['g2', 'given'],
        ['team', 'resealed'],
        ['unmanaged', 'sealed-prov-unmanaged'],
      ]);
    });

    test('a group key needs its group', async () => {
      await assert.rejects(store.insertGroupKey(key('ghost')));
    });

    test('shares: only for existing memberships, idempotent, listed per member', async () => {
      await seed();
      await store.addGroupMembers('g1', ['m1', 'm2']);
      await store.addGroupMembers('g2', ['m1']);
      // m2 is not in g2 and g3 has no key: those two are left out.
      const added = await store.addGroupKeyShares([
        share('g1', 'm1'),
        share('g1', 'm2'),
        share('g2', 'm1'),
        share('g2', 'm2'),
        share('g3', 'm1'),
      ]);
      assert.equal(added, 3);
      assert.equal(await store.addGroupKeyShares([share('g1', 'm1'), share('g1', 'm2')]), 0);
      assert.deepEqual(await store.listGroupKeySharesOfMember('m1'), [
        { groupId: 'g1', displayName: 'Group g1', groupPublicKey: 'pub-g1', sealedPrivateKey: 'share-g1-m1' },
        { groupId: 'g2', displayName: 'Group g2', groupPublicKey: 'pub-g2', sealedPrivateKey: 'share-g2-m1' },
      ]);
      assert.equal(await store.addGroupKeyShares([]), 0);
    });

    test('removing a member from a group deletes their share, and only theirs', async () => {
      await seed();
      await store.addGroupMembers('g1', ['m1', 'm2']);
      await store.addGroupMembers('g2', ['m1']);
      await store.addGroupKeyShares([share('g1', 'm1'), share('g1', 'm2'), share('g2', 'm1')]);
      await store.removeGroupMembers('g1', ['m1']);
      assert.deepEqual(
        (await store.listGroupKeySharesOfMember('m1')).map((s) => s.groupId),
        ['g2'],
      );
      assert.deepEqual(
        (await store.listGroupKeySharesOfMember('m2')).map((s) => s.groupId),
        ['g1'],
      );
      await store.removeAllGroupMembers('g1');
      assert.deepEqual(await store.listGroupKeySharesOfMember('m2'), []);
    });

    test('a rolled-back removal keeps the share', async () => {
      await seed();
      await store.addGroupMembers('g1', ['m1']);
      await store.addGroupKeyShares([share('g1', 'm1')]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.removeGroupMembers('g1', ['m1']);
          throw new Error('stop');
        }),
      );
      assert.equal((await store.listGroupKeySharesOfMember('m1')).length, 1);
    });

    test('vaults only one group can open are found, so that deleting it can be refused', async () => {
      await seed();
      await store.insertVault({ id: 'v1', name: 'Solo', createdAt: AT });
      await store.insertVault({ id: 'v2', name: 'Shared', createdAt: AT });
      await grant('v1', 'g1', 'a', 'manage');
      await grant('v2', 'g1', 'b', 'manage');
      await grant('v2', 'g2', 'c', 'manage');
      assert.deepEqual(
        (await store.listVaultsOnlyGrantedTo('g1')).map((vault) => vault.name),
        ['Solo'],
      );
      assert.deepEqual(await store.listVaultsOnlyGrantedTo('g2'), []);
    });

    test('deleting a group removes its key, shares and grants', async () => {
      await seed();
      await store.addGroupMembers('g1', ['m1']);
      await store.addGroupKeyShares([share('g1', 'm1')]);
      await store.insertVault({ id: 'v1', name: 'Finance', createdAt: AT });
      await grant('v1', 'g1', 'vk', 'manage');
      await grant('v1', 'g2', 'vk2', 'manage');
      assert.equal(await store.deleteGroup('g1'), true);
      assert.deepEqual(await store.getGroupKeys(['g1']), []);
      assert.deepEqual(await store.listGroupKeySharesOfMember('m1'), []);
      assert.deepEqual(
        (await store.listVaultGrants('v1')).map((grant) => grant.groupId),
        ['g2'],
      );
    });

    test('pending members: keyset pages by id, with or without a public key', async () => {
      await seed();
      const first = await store.listPendingMembers({ limit: 1 });
      assert.deepEqual(
        first.map((row) => [row.member.id, row.publicKey]),
        [['m3', 'mpub-m3']],
      );
      const next = await store.listPendingMembers({ afterMemberId: 'm3', limit: 10 });
      assert.deepEqual(
        next.map((row) => [row.member.id, row.publicKey]),
        [['m4', null]],
      );
      assert.deepEqual(await store.listPendingMembers({ afterMemberId: 'm4', limit: 10 }), []);
      assert.equal(next[0]!.member.state, 'pending');
    });

    test('keyed groups of members: kind, managed flag and key, one query for many members', async () => {
      await seed();
      await store.insertGroup(makeGroup('tm', { kind: 'team_members', managed: false, displayName: 'TM' }));
      await store.addGroupMembers('g1', ['m3']);
      await store.addGroupMembers('g3', ['m3']);
      await store.addGroupMembers('tm', ['m3', 'm4']);
      const groups = await store.listKeyedGroupsOfMembers(['m3', 'm4', 'm1']);
      assert.deepEqual(
        groups.get('m3')!.map((g) => [g.groupId, g.kind, g.managed, g.key?.publicKey ?? null]),
        [
          ['g1', 'custom', true, 'pub-g1'],
          ['g3', 'custom', true, null],
          ['tm', 'team_members', false, null],
        ],
      );
      assert.deepEqual(
        groups.get('m4')!.map((g) => g.groupId),
        ['tm'],
      );
      assert.equal(groups.has('m1'), false);
    });

    test('missing shares: active members with keys in groups sealed for provisioning, no share yet', async () => {
      await seed();
      await store.insertGroupKey(key('g3', null));
      await store.addGroupMembers('g1', ['m1', 'm2', 'm3']);
      await store.addGroupMembers('g2', ['m2']);
      await store.addGroupMembers('g3', ['m1']);
      await store.addGroupKeyShares([share('g1', 'm2')]);
      // A group taken off the managed list whose seal is still there: the bridge shares nothing of it.
      await store.insertGroup(makeGroup('unmanaged', { managed: false }));
      await store.insertGroupKey(key('unmanaged'));
      await store.addGroupMembers('unmanaged', ['m1']);
      // m3 is pending; g3's key is not sealed for provisioning; m2 already has g1.
      assert.deepEqual(
        (await store.findMissingKeyShares({ groupId: 'g1', memberIds: ['m1', 'm2', 'm3', 'ghost'] })).map(
          (row) => [row.groupId, row.memberId, row.memberPublicKey],
        ),
        [['g1', 'm1', 'mpub-m1']],
      );
      const sweep = await store.findMissingKeyShares({ limit: 1 });
      assert.deepEqual(
        sweep.map((row) => [row.memberId, row.groupId]),
        [['m1', 'g1']],
      );
      const rest = await store.findMissingKeyShares({ after: { memberId: 'm1', groupId: 'g1' }, limit: 10 });
      assert.deepEqual(
        rest.map((row) => [row.memberId, row.groupId]),
        [['m2', 'g2']],
      );
    });

    test('the sign-up counter grows when a member becomes pending, and only then', async () => {
      const before = await store.readCounter('sign_ups');
      await store.insertMember(makeMember('p1', { state: 'pending' }));
      await store.insertMember(makeMember('i1', { state: 'invited' }));
      assert.equal(await store.readCounter('sign_ups'), before + 1);
      const invited = (await store.getMember('i1'))!;
      await store.updateMember({ ...invited, state: 'pending', version: 2 }, 1);
      assert.equal(await store.readCounter('sign_ups'), before + 2);
      const pending = (await store.getMember('i1'))!;
      await store.updateMember({ ...pending, displayName: 'Still pending', version: 3 }, 2);
      await store.updateMember({ ...pending, state: 'active', version: 4 }, 3);
      assert.equal(await store.readCounter('sign_ups'), before + 2);
    });

    test('vaults: unique names ignoring case, keyset pages, grants replaced per group', async () => {
      await seed();
      await store.insertVault({ id: 'v1', name: 'Finance', createdAt: AT });
      await store.insertVault({ id: 'v2', name: 'Engineering', createdAt: AT });
      await assert.rejects(store.insertVault({ id: 'v3', name: 'FINANCE', createdAt: AT }), UniqueViolation);
      assert.equal((await store.findVaultByName('finance'))?.id, 'v1');
      assert.equal((await store.getVault('v2'))?.name, 'Engineering');
      assert.equal(await store.getVault('ghost'), undefined);
      assert.deepEqual(
        (await store.listVaults({ limit: 1 })).map((v) => v.id),
        ['v1'],
      );
      assert.deepEqual(
        (await store.listVaults({ afterId: 'v1', limit: 5 })).map((v) => v.id),
        ['v2'],
      );
      await grant('v1', 'g1', 'a', 'manage');
      await grant('v1', 'g1', 'b', 'manage');
      await grant('v2', 'g2', 'c', 'manage');
      assert.deepEqual(
        (await store.listVaultGrants('v1')).map((g) => g.sealedVaultKey),
        ['b'],
      );
      assert.deepEqual(
        (await store.listVaultGrantsOfGroups(['g1', 'g2'])).map((g) => [g.vaultName, g.groupId]),
        [
          ['Finance', 'g1'],
          ['Engineering', 'g2'],
        ],
      );
      await assert.rejects(
        store.saveVaultGrant({
          vaultId: 'v1',
          groupId: 'g3',
          sealedVaultKey: 'x',
          createdAt: AT,
          permission: 'manage',
        }),
        'a grant needs the group to have a key',
      );
    });

    test('a grant is revoked alone: the other groups of the vault keep theirs', async () => {
      await seed();
      await store.insertVault({ id: 'v1', name: 'Finance', createdAt: AT });
      await grant('v1', 'g1', 'a', 'manage');
      await grant('v1', 'g2', 'b', 'manage');
      assert.equal(await store.deleteVaultGrant('v1', 'g1'), true);
      assert.equal(await store.deleteVaultGrant('v1', 'g1'), false, 'gone already');
      assert.equal(await store.deleteVaultGrant('ghost', 'g2'), false);
      assert.deepEqual(
        (await store.listVaultGrants('v1')).map((g) => g.groupId),
        ['g2'],
      );
      assert.deepEqual(
        (await store.listVaultGrantsOfGroups(['g1'])).map((g) => g.vaultId),
        [],
      );
    });

    test('a grant keeps its permission (P18); setting one changes that grant alone', async () => {
      await seed();
      await store.insertVault({ id: 'v1', name: 'Finance', createdAt: AT });
      await store.insertVault({ id: 'v2', name: 'Engineering', createdAt: AT });
      await grant('v1', 'g1', 'a', 'manage');
      await grant('v1', 'g2', 'b', 'view');
      await grant('v2', 'g1', 'c', 'edit');
      assert.equal(await store.setVaultGrantPermission('v1', 'g2', 'edit'), true);
      assert.equal(await store.setVaultGrantPermission('v1', 'g3', 'edit'), false, 'g3 has no grant');
      assert.equal(await store.setVaultGrantPermission('ghost', 'g1', 'edit'), false);
      assert.deepEqual(
        (await store.listVaultGrants('v1')).map((g) => [g.groupId, g.permission]),
        [
          ['g1', 'manage'],
          ['g2', 'edit'],
        ],
      );
      assert.deepEqual(
        (await store.listVaultGrantsOfGroups(['g1'])).map((g) => [g.vaultName, g.permission]),
        [
          ['Finance', 'manage'],
          ['Engineering', 'edit'],
        ],
      );
      await assert.rejects(
        store.setVaultGrantPermission('v1', 'g1', 'owner' as 'manage'),
        'the database refuses a level that is none of the three',
      );
      assert.equal((await store.listVaultGrants('v1'))[0]?.permission, 'manage');
    });

    test('locked reads: the grants of a vault, and of every vault a group opens', async () => {
      await seed();
      await store.insertVault({ id: 'v1', name: 'Finance', createdAt: AT });
      await store.insertVault({ id: 'v2', name: 'Engineering', createdAt: AT });
      await store.insertVault({ id: 'v3', name: 'Other', createdAt: AT });
      await grant('v1', 'g1', 'a', 'manage');
      await grant('v1', 'g2', 'b', 'view');
      await grant('v2', 'g1', 'c', 'edit');
      await grant('v3', 'g2', 'd', 'manage');
      const locked = await store.transaction(async (tx) => ({
        vault: await tx.lockVaultGrants('v1'),
        ofGroup: await tx.lockGrantsOfVaultsOpenedBy('g1'),
      }));
      assert.deepEqual(
        locked.vault.map((g) => [g.groupId, g.permission]),
        [
          ['g1', 'manage'],
          ['g2', 'view'],
        ],
      );
      assert.deepEqual(
        locked.ofGroup.map((g) => [g.vaultId, g.groupId]),
        [
          ['v1', 'g1'],
          ['v1', 'g2'],
          ['v2', 'g1'],
        ],
        'v3 is not opened by g1',
      );
    });

    test("a second transaction locking the grants of a vault sees the first one's change", async () => {
      await seed();
      await store.insertVault({ id: 'v1', name: 'Finance', createdAt: AT });
      await grant('v1', 'g1', 'a', 'manage');
      await grant('v1', 'g2', 'b', 'manage');
      let locked!: () => void;
      const firstLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = store.transaction(async (tx) => {
        await tx.lockVaultGrants('v1');
        locked();
        await released;
        await tx.setVaultGrantPermission('v1', 'g1', 'view');
      });
      await firstLocked;
      const second = store.transaction(async (tx) =>
        (await tx.lockVaultGrants('v1')).map((g) => [g.groupId, g.permission]),
      );
      release();
      await first;
      assert.deepEqual(
        await second,
        [
          ['g1', 'view'],
          ['g2', 'manage'],
        ],
        'it waited for the first to commit, so it cannot also take g2 for a second manager',
      );
    });
  });
}
