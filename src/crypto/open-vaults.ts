/**
 * The member's end of the key chain: with their password, open their private key, then the
 * keys of their groups, then the keys of the vaults those groups were granted. Whatever
 * opens is a vault the member can read; nothing else can. Runs wherever the member types
 * their password (the CLI today; a page in the browser later): WebCrypto only.
 */
import type { Bytes } from './encoding.ts';
import { importGroupPrivateKey, openGroupPrivateKey, openVaultKey } from './key-chain.ts';
import { type MemberKeyMaterial, unlockMemberPrivateKey } from './member-keys.ts';

/** Everything the account stores that the member needs: all of it sealed, none of it secret on its own. */
export interface MemberKeyRing {
  memberId: string;
  keys: MemberKeyMaterial;
  /** The member's groups' private keys, sealed for the member. */
  shares: Array<{ groupId: string; displayName: string; groupPublicKey: string; sealedPrivateKey: string }>;
  /** The vault keys granted to those groups, sealed for each group. */
  grants: Array<{ vaultId: string; vaultName: string; groupId: string; sealedVaultKey: string }>;
}

export interface OpenedVault {
  vaultId: string;
  name: string;
  /** The groups through which the member opens it. */
  groups: string[];
  /** The vault's 32-byte key, opened. */
  key: Bytes;
}

/**
 * Throws `MemberKeyUnlockError` for a wrong password. A share or grant that does not open
 * (tampered, or moved from another row) is skipped: it grants nothing.
 */
export async function openVaults(ring: MemberKeyRing, password: string): Promise<OpenedVault[]> {
  const memberKey = await unlockMemberPrivateKey(ring.keys, password);
  const groupKeys = new Map<string, { key: CryptoKey; publicKey: string; name: string }>();
  for (const share of ring.shares) {
    try {
      const bytes = await openGroupPrivateKey(share.groupId, share.sealedPrivateKey, memberKey, {
        id: ring.memberId,
        publicKey: ring.keys.publicKey,
      });
      groupKeys.set(share.groupId, {
        key: await importGroupPrivateKey(bytes),
        publicKey: share.groupPublicKey,
        name: share.displayName,
      });
      bytes.fill(0);
    } catch {
      // Not the member's to open.
    }
  }
  const vaults = new Map<string, OpenedVault>();
  for (const grant of ring.grants) {
    const group = groupKeys.get(grant.groupId);
    if (!group) continue;
    try {
      const key = await openVaultKey(grant.vaultId, grant.sealedVaultKey, group.key, {
        id: grant.groupId,
        publicKey: group.publicKey,
      });
      const known = vaults.get(grant.vaultId);
      if (known) known.groups.push(group.name);
      else
        vaults.set(grant.vaultId, {
          vaultId: grant.vaultId,
          name: grant.vaultName,
          groups: [group.name],
          key,
        });
    } catch {
      // A grant that does not open grants nothing.
    }
  }
  return [...vaults.values()];
}
