/** A vault key exists in clear only until sealed to each group's public key; granting needs someone who can open it. */

import type { Bytes } from '../crypto/encoding.ts';
import { createVaultKey, sealVaultKey } from '../crypto/key-chain.ts';
import type { MemberKeyRing } from '../crypto/open-vaults.ts';
import { recordActivity } from './activity.ts';
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { assertId, assertSealed } from './key-chain-rules.ts';
import type { Group, GroupKey, Vault, VaultPermission } from './model.ts';
import type { StoreOps } from './store.ts';
import { assertManagerKept, assertPermission } from './vault-permission-rules.ts';

const MAX_NAME = 200;

const hasControlCharacter = (text: string): boolean =>
  [...text].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

async function groupWithKey(ops: StoreOps, nameOrId: string): Promise<{ group: Group; key: GroupKey }> {
  const group = (await ops.getGroup(nameOrId)) ?? (await ops.findGroupByDisplayName(nameOrId));
  if (group === undefined)
    throw new AccountError('group_not_found', `no group named or with id "${nameOrId}"`);
  const [key] = await ops.getGroupKeys([group.id]);
  if (key === undefined) {
    throw new AccountError(
      'invalid_input',
      `the group "${group.displayName}" has no key pair yet; the bridge makes one once it has its token (or its first member must create it)`,
    );
  }
  return { group, key };
}

export async function findVault(ops: StoreOps, nameOrId: string): Promise<Vault> {
  const vault = (await ops.getVault(nameOrId)) ?? (await ops.findVaultByName(nameOrId));
  if (vault === undefined) throw new AccountError('invalid_input', `no vault named or with id "${nameOrId}"`);
  return vault;
}

interface SealedGrant {
  group: Group;
  sealedVaultKey: string;
}

async function insertGrantedVault(
  deps: AccountDeps,
  tx: StoreOps,
  vault: Vault,
  grants: readonly SealedGrant[],
): Promise<{ vault: Vault; groups: string[] }> {
  const now = vault.createdAt;
  await tx.insertVault(vault);
  const granted: string[] = [];
  for (const { group, sealedVaultKey } of grants) {
    // Whoever creates a vault chose these groups: each manages it (P18).
    await tx.saveVaultGrant({
      vaultId: vault.id,
      groupId: group.id,
      sealedVaultKey,
      createdAt: now,
      permission: 'manage',
    });
    granted.push(group.displayName);
  }
  await recordActivity(
    deps,
    tx,
    now,
    'vault.created',
    { targetType: 'account', targetId: vault.id },
    { name: vault.name, groups: granted },
    'admin',
  );
  return { vault, groups: granted };
}

export async function createVault(
  deps: AccountDeps,
  input: { name: string; groups: readonly string[] },
): Promise<{ vault: Vault; groups: string[] }> {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_NAME || hasControlCharacter(name)) {
    throw new AccountError('invalid_input', `a vault name must be 1 to ${MAX_NAME} printable characters`);
  }
  if (input.groups.length === 0) {
    throw new AccountError(
      'invalid_input',
      'name at least one group: a vault that no group can open is lost',
    );
  }
  const vaultKey = createVaultKey();
  try {
    return await deps.store.transaction(async (tx) => {
      if (await tx.findVaultByName(name))
        throw new AccountError('invalid_input', `a vault named "${name}" exists`);
      const vault: Vault = { id: deps.ids(), name, createdAt: nowIso(deps) };
      const grants: SealedGrant[] = [];
      for (const groupName of new Set(input.groups)) {
        const { group, key } = await groupWithKey(tx, groupName);
        const sealedVaultKey = await sealVaultKey(vault.id, vaultKey, {
          id: group.id,
          publicKey: key.publicKey,
        });
        grants.push({ group, sealedVaultKey });
      }
      return insertGrantedVault(deps, tx, vault, grants);
    });
  } finally {
    vaultKey.fill(0);
  }
}

export async function vaultRecipients(
  ops: StoreOps,
): Promise<Array<{ id: string; displayName: string; publicKey: string }>> {
  const groups: Group[] = [];
  for (let startIndex = 1; ; startIndex += 500) {
    const page = await ops.listGroups({ startIndex, count: 500 });
    groups.push(...page.items);
    if (page.items.length < 500) break;
  }
  const keys = new Map(
    (await ops.getGroupKeys(groups.map((group) => group.id))).map((key) => [key.groupId, key]),
  );
  return groups.flatMap((group) => {
    const key = keys.get(group.id);
    return key ? [{ id: group.id, displayName: group.displayName, publicKey: key.publicKey }] : [];
  });
}

/** Sealed in the browser: the server never sees the key and cannot tell whether a seal opens. */
export async function createSealedVault(
  deps: AccountDeps,
  input: { id: string; name: string; grants: ReadonlyArray<{ groupId: string; sealedVaultKey: string }> },
): Promise<{ vault: Vault; groups: string[] }> {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_NAME || hasControlCharacter(name)) {
    throw new AccountError('invalid_input', `a vault name must be 1 to ${MAX_NAME} printable characters`);
  }
  if (!/^[A-Za-z0-9_-]{8,100}$/.test(input.id))
    throw new AccountError('invalid_input', 'the vault id must be 8 to 100 letters, digits, - or _');
  if (!Array.isArray(input.grants) || input.grants.length === 0) {
    throw new AccountError(
      'invalid_input',
      'choose at least one group: a vault that no group can open is lost',
    );
  }
  if (input.grants.length > 100) throw new AccountError('invalid_input', 'at most 100 groups at once');
  return deps.store.transaction(async (tx) => {
    if (await tx.findVaultByName(name))
      throw new AccountError('invalid_input', `a vault named "${name}" exists`);
    if (await tx.getVault(input.id))
      throw new AccountError('invalid_input', 'this vault was created already');
    const vault: Vault = { id: input.id, name, createdAt: nowIso(deps) };
    const grants: SealedGrant[] = [];
    for (const grant of input.grants) {
      const { group } = await groupWithKey(tx, assertId('groupId', grant?.groupId));
      grants.push({ group, sealedVaultKey: assertSealed('sealedVaultKey', grant.sealedVaultKey) });
    }
    return insertGrantedVault(deps, tx, vault, grants);
  });
}

/**
 * Seals the vault key for a group (again, when it opens the vault already). Without a
 * permission a new grant gets view and an existing one keeps its own (P18).
 */
export async function grantVault(
  deps: AccountDeps,
  actor: AdminActor,
  input: { vault: Vault; group: string; vaultKey: Bytes; permission?: unknown },
): Promise<{ group: string; permission: VaultPermission }> {
  const asked = input.permission === undefined ? undefined : assertPermission(input.permission);
  return deps.store.transaction(async (tx) => {
    const { group, key } = await groupWithKey(tx, input.group);
    const grants = await tx.lockVaultGrants(input.vault.id);
    const existing = grants.find((grant) => grant.groupId === group.id);
    const permission = asked ?? existing?.permission ?? 'view';
    assertManagerKept(input.vault, grants, {
      groupId: group.id,
      groupName: group.displayName,
      to: permission,
    });
    const now = nowIso(deps);
    const sealedVaultKey = await sealVaultKey(input.vault.id, input.vaultKey, {
      id: group.id,
      publicKey: key.publicKey,
    });
    await tx.saveVaultGrant({
      vaultId: input.vault.id,
      groupId: group.id,
      sealedVaultKey,
      createdAt: now,
      permission,
    });
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'vault.granted',
      { targetType: 'group', targetId: group.id },
      {
        vaultId: input.vault.id,
        vault: input.vault.name,
        group: group.displayName,
        permission,
        ...(existing && existing.permission !== permission ? { from: existing.permission } : {}),
      },
    );
    return { group: group.displayName, permission };
  });
}

export async function listVaultsWithGroups(
  ops: StoreOps,
): Promise<Array<{ vault: Vault; groups: string[]; permissions: VaultPermission[] }>> {
  const result: Array<{ vault: Vault; groups: string[]; permissions: VaultPermission[] }> = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await ops.listVaults({ limit: 200, ...(afterId ? { afterId } : {}) });
    for (const vault of page) {
      const grants = await ops.listVaultGrants(vault.id);
      const groups: string[] = [];
      for (const grant of grants)
        groups.push((await ops.getGroup(grant.groupId))?.displayName ?? grant.groupId);
      result.push({ vault, groups, permissions: grants.map((grant) => grant.permission) });
    }
    if (page.length < 200) return result;
    afterId = page[page.length - 1]!.id;
  }
}

export async function readMemberKeyRing(ops: StoreOps, memberId: string): Promise<MemberKeyRing | undefined> {
  const keys = await ops.getMemberKeys(memberId);
  if (keys === undefined) return undefined;
  const shares = await ops.listGroupKeySharesOfMember(memberId);
  const grants = await ops.listVaultGrantsOfGroups(shares.map((share) => share.groupId));
  return {
    memberId,
    keys: { publicKey: keys.publicKey, encryptedPrivateKey: keys.encryptedPrivateKey },
    shares,
    grants: grants.map((grant) => ({
      vaultId: grant.vaultId,
      vaultName: grant.vaultName,
      groupId: grant.groupId,
      sealedVaultKey: grant.sealedVaultKey,
    })),
  };
}
