import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GroupKeyNotHeldError,
  sealGroupKeysFor,
  sealVaultKeyFor,
  VaultKeyNotHeldError,
} from './admin-keys.ts';
import {
  createGroupKeyPair,
  createVaultKey,
  importGroupPrivateKey,
  openGroupPrivateKey,
  openVaultKey,
  sealGroupPrivateKey,
  sealVaultKey,
} from './key-chain.ts';
import { createMemberKeys, MemberKeyUnlockError } from './member-keys.ts';
import type { MemberKeyRing } from './open-vaults.ts';

const PASSWORD = 'the administrator password';

async function setting() {
  const admin = await createMemberKeys(PASSWORD, { iterations: 1000 });
  const member = await createMemberKeys('the member password', { iterations: 1000 });
  const team = await createGroupKeyPair();
  const other = await createGroupKeyPair();
  const vaultKey = createVaultKey();
  const ring: MemberKeyRing = {
    memberId: 'admin',
    keys: admin.material,
    shares: [
      {
        groupId: 'team',
        displayName: 'Team Members',
        groupPublicKey: team.publicKey,
        sealedPrivateKey: await sealGroupPrivateKey('team', team.privateKey, {
          id: 'admin',
          publicKey: admin.material.publicKey,
        }),
      },
    ],
    grants: [
      {
        vaultId: 'v1',
        vaultName: 'Handbook',
        groupId: 'team',
        sealedVaultKey: await sealVaultKey('v1', vaultKey, { id: 'team', publicKey: team.publicKey }),
      },
    ],
  };
  return { admin, member, team, other, vaultKey, ring };
}

test('a group key the administrator holds is sealed for the member, who opens the same key', async () => {
  const { member, team, ring } = await setting();
  const shares = await sealGroupKeysFor(ring, PASSWORD, [{ groupId: 'team', displayName: 'Team Members' }], {
    id: 'ana',
    publicKey: member.material.publicKey,
  });
  assert.equal(shares.length, 1);
  const opened = await openGroupPrivateKey('team', shares[0]!.sealedPrivateKey, member.privateKey, {
    id: 'ana',
    publicKey: member.material.publicKey,
  });
  assert.deepEqual(opened, team.privateKey);
});

test('a wrong password, or a group not held, seals nothing', async () => {
  const { member, ring } = await setting();
  const recipient = { id: 'ana', publicKey: member.material.publicKey };
  await assert.rejects(
    sealGroupKeysFor(ring, 'wrong', [{ groupId: 'team', displayName: 'Team Members' }], recipient),
    MemberKeyUnlockError,
  );
  await assert.rejects(
    sealGroupKeysFor(
      ring,
      PASSWORD,
      [
        { groupId: 'team', displayName: 'Team Members' },
        { groupId: 'eng', displayName: 'Engineering' },
      ],
      recipient,
    ),
    (error: unknown) => error instanceof GroupKeyNotHeldError && error.groups.join() === 'Engineering',
  );
  // A share moved to another group's row does not open as that group's key.
  const moved = { ...ring, shares: [{ ...ring.shares[0]!, groupId: 'eng', displayName: 'Engineering' }] };
  await assert.rejects(
    sealGroupKeysFor(moved, PASSWORD, [{ groupId: 'eng', displayName: 'Engineering' }], recipient),
    GroupKeyNotHeldError,
  );
});

test("a vault key is opened through the administrator's group and sealed for another group", async () => {
  const { other, vaultKey, ring } = await setting();
  const sealed = await sealVaultKeyFor(ring, PASSWORD, 'v1', { id: 'other', publicKey: other.publicKey });
  const opened = await openVaultKey('v1', sealed, await importGroupPrivateKey(other.privateKey), {
    id: 'other',
    publicKey: other.publicKey,
  });
  assert.deepEqual(opened, vaultKey);
  await assert.rejects(
    sealVaultKeyFor(ring, PASSWORD, 'v2', { id: 'other', publicKey: other.publicKey }),
    VaultKeyNotHeldError,
  );
  await assert.rejects(
    sealVaultKeyFor(ring, 'wrong', 'v1', { id: 'other', publicKey: other.publicKey }),
    MemberKeyUnlockError,
  );
});
