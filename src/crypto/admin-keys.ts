/**
 * An administrator's end of the key chain (issue 11): what the console's script does with
 * the administrator's own key ring (their member key pair, the group keys sealed for them,
 * the vault keys of those groups) and the password typed on the page.
 *
 * - Confirming a pending member by hand: each group key the member must get is opened with
 *   the administrator's share of it and sealed for the member's public key.
 * - Granting a vault to another group: the vault key is opened through a group the
 *   administrator holds and sealed for the other group's public key.
 *
 * Both refuse before sealing anything when a key is not the administrator's to open, naming
 * the group, so the page can say what to do. WebCrypto only: the browser and Node run it.
 */
import type { Bytes } from './encoding.ts';
import {
  importGroupPrivateKey,
  openGroupPrivateKey,
  openVaultKey,
  sealGroupPrivateKey,
  sealVaultKey,
} from './key-chain.ts';
import { unlockMemberPrivateKey } from './member-keys.ts';
import type { MemberKeyRing } from './open-vaults.ts';

/** The administrator holds no share of this group's key (or it does not open). */
export class GroupKeyNotHeldError extends Error {
  constructor(readonly groups: string[]) {
    super(`you do not hold the key of ${groups.join(', ')}`);
    this.name = 'GroupKeyNotHeldError';
  }
}

/** No group the administrator holds opens this vault. */
export class VaultKeyNotHeldError extends Error {
  constructor() {
    super('no group you hold opens this vault');
    this.name = 'VaultKeyNotHeldError';
  }
}

/** Opens the group keys of `ring` that are asked for; the bytes are the caller's to wipe. */
async function openGroupKeys(
  ring: MemberKeyRing,
  password: string,
  groupIds: readonly string[],
): Promise<Map<string, Bytes>> {
  // A wrong password throws MemberKeyUnlockError here, before anything else.
  const memberKey = await unlockMemberPrivateKey(ring.keys, password);
  const opened = new Map<string, Bytes>();
  for (const share of ring.shares) {
    if (!groupIds.includes(share.groupId) || opened.has(share.groupId)) continue;
    try {
      opened.set(
        share.groupId,
        await openGroupPrivateKey(share.groupId, share.sealedPrivateKey, memberKey, {
          id: ring.memberId,
          publicKey: ring.keys.publicKey,
        }),
      );
    } catch {
      // A share that does not open is no share.
    }
  }
  return opened;
}

/**
 * Seals each named group's private key for `member`. Throws `MemberKeyUnlockError` for a
 * wrong password and `GroupKeyNotHeldError` (naming every group missing) when the ring does
 * not open one of them.
 */
export async function sealGroupKeysFor(
  ring: MemberKeyRing,
  password: string,
  groups: ReadonlyArray<{ groupId: string; displayName: string }>,
  member: { id: string; publicKey: string },
): Promise<Array<{ groupId: string; sealedPrivateKey: string }>> {
  const opened = await openGroupKeys(
    ring,
    password,
    groups.map((group) => group.groupId),
  );
  try {
    const missing = groups.filter((group) => !opened.has(group.groupId)).map((group) => group.displayName);
    if (missing.length > 0) throw new GroupKeyNotHeldError(missing);
    const shares = [];
    for (const group of groups) {
      shares.push({
        groupId: group.groupId,
        sealedPrivateKey: await sealGroupPrivateKey(group.groupId, opened.get(group.groupId)!, member),
      });
    }
    return shares;
  } finally {
    for (const bytes of opened.values()) bytes.fill(0);
  }
}

/**
 * Seals the vault's key for `group`, opening it through the first group of `ring` that holds
 * a grant of it. Throws `MemberKeyUnlockError` or `VaultKeyNotHeldError`.
 */
export async function sealVaultKeyFor(
  ring: MemberKeyRing,
  password: string,
  vaultId: string,
  group: { id: string; publicKey: string },
): Promise<string> {
  const grants = ring.grants.filter((grant) => grant.vaultId === vaultId);
  const opened = await openGroupKeys(
    ring,
    password,
    grants.map((grant) => grant.groupId),
  );
  try {
    for (const grant of grants) {
      const bytes = opened.get(grant.groupId);
      const share = ring.shares.find((candidate) => candidate.groupId === grant.groupId);
      if (!bytes || !share) continue;
      let vaultKey: Bytes;
      try {
        vaultKey = await openVaultKey(vaultId, grant.sealedVaultKey, await importGroupPrivateKey(bytes), {
          id: grant.groupId,
          publicKey: share.groupPublicKey,
        });
      } catch {
        continue;
      }
      try {
        return await sealVaultKey(vaultId, vaultKey, group);
      } finally {
        vaultKey.fill(0);
      }
    }
    throw new VaultKeyNotHeldError();
  } finally {
    for (const bytes of opened.values()) bytes.fill(0);
  }
}
