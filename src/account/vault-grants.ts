/**
 * An administrator grants an existing vault to another group, or revokes a group's grant
 * (issue 11, P18). Granting needs the vault key, which only a holder can open: the
 * administrator's browser opens it through a group they hold and seals it for the new
 * group's public key; the account stores the sealed value and never sees the key.
 * `vaultGrantState` tells the page, before any password is typed, whether the
 * administrator holds a group that opens the vault.
 *
 * Revoking removes the sealed key of that group only. It refuses to remove the last grant:
 * a vault that no group opens is lost for good; nor the last grant that manages it (P18).
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { assertId, assertSealed } from './key-chain-rules.ts';
import type { Group, Vault, VaultPermission } from './model.ts';
import type { StoreOps } from './store.ts';
import { assertManagerKept, assertPermission } from './vault-permission-rules.ts';
import { vaultRecipients } from './vaults.ts';

export interface VaultGrantState {
  vault: Vault;
  /** The groups that open the vault now, with what each may do (P18). */
  granted: Array<{ id: string; displayName: string; permission: VaultPermission }>;
  /** Groups with a key pair that do not open it yet: where it may be granted. */
  candidates: Array<{ id: string; displayName: string; publicKey: string }>;
  /** Granted groups whose key the administrator holds: what their browser opens the vault with. */
  heldBy: string[];
}

async function requireVault(ops: StoreOps, id: string): Promise<Vault> {
  const vault = await ops.getVault(assertId('vault id', id));
  if (vault === undefined) throw new AccountError('invalid_input', 'There is no such vault (any more).');
  return vault;
}

export async function vaultGrantState(
  deps: AccountDeps,
  adminId: string,
  vaultId: string,
): Promise<VaultGrantState> {
  const { store } = deps;
  const vault = await requireVault(store, vaultId);
  const [grants, recipients, shares] = await Promise.all([
    store.listVaultGrants(vault.id),
    vaultRecipients(store),
    store.listGroupKeySharesOfMember(adminId),
  ]);
  const grantedIds = new Set(grants.map((grant) => grant.groupId));
  const granted: VaultGrantState['granted'] = [];
  for (const grant of grants) {
    const group = await store.getGroup(grant.groupId);
    granted.push({
      id: grant.groupId,
      displayName: group?.displayName ?? grant.groupId,
      permission: grant.permission,
    });
  }
  const held = new Set(shares.map((share) => share.groupId));
  return {
    vault,
    granted,
    candidates: recipients.filter((group) => !grantedIds.has(group.id)),
    heldBy: granted.filter((group) => held.has(group.id)).map((group) => group.displayName),
  };
}

async function requireKeyedGroup(ops: StoreOps, id: string): Promise<Group> {
  const group = await ops.getGroup(assertId('groupId', id));
  if (group === undefined) throw new AccountError('group_not_found', 'There is no such group (any more).');
  if ((await ops.getGroupKeys([group.id])).length === 0) {
    throw new AccountError(
      'invalid_input',
      `${group.displayName} has no key pair yet, so nothing can be sealed for it. The bridge makes it once it runs with its token.`,
    );
  }
  return group;
}

export function grantVaultToGroup(
  deps: AccountDeps,
  actor: AdminActor,
  input: { vaultId: string; groupId: unknown; sealedVaultKey: unknown; permission: unknown },
): Promise<Group> {
  const sealedVaultKey = assertSealed('sealedVaultKey', input.sealedVaultKey);
  const permission = assertPermission(input.permission);
  return deps.store.transaction(async (tx) => {
    const vault = await requireVault(tx, input.vaultId);
    const group = await requireKeyedGroup(tx, input.groupId as string);
    if ((await tx.listVaultGrants(vault.id)).some((grant) => grant.groupId === group.id)) {
      throw new AccountError('invalid_input', `${group.displayName} opens ${vault.name} already.`);
    }
    const now = nowIso(deps);
    await tx.saveVaultGrant({
      vaultId: vault.id,
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
      { vaultId: vault.id, vault: vault.name, group: group.displayName, permission },
    );
    return group;
  });
}

export function revokeVaultGrant(
  deps: AccountDeps,
  actor: AdminActor,
  input: { vaultId: string; groupId: unknown },
): Promise<Group> {
  return deps.store.transaction(async (tx) => {
    const vault = await requireVault(tx, input.vaultId);
    const groupId = assertId('groupId', input.groupId);
    const grants = await tx.lockVaultGrants(vault.id);
    const group = await tx.getGroup(groupId);
    if (group === undefined || !grants.some((grant) => grant.groupId === groupId)) {
      throw new AccountError('invalid_input', `That group does not open ${vault.name} (any more).`);
    }
    if (grants.length === 1) {
      throw new AccountError(
        'invalid_input',
        `${group.displayName} is the only group that opens ${vault.name}: grant it to another group first, or the vault is lost.`,
      );
    }
    assertManagerKept(vault, grants, { groupId, groupName: group.displayName, to: null });
    await tx.deleteVaultGrant(vault.id, groupId);
    const now = nowIso(deps);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'vault.revoked',
      { targetType: 'group', targetId: group.id },
      { vaultId: vault.id, vault: vault.name, group: group.displayName },
    );
    return group;
  });
}
