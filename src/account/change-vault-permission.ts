/**
 * (P18) An administrator changes what one group may do with a vault it opens. The vault's
 * grants are locked first, so two administrators lowering its two managers at once cannot
 * both succeed: one waits and then finds the other's change.
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { assertId } from './key-chain-rules.ts';
import type { Group, Vault, VaultPermission } from './model.ts';
import { assertManagerKept, assertPermission } from './vault-permission-rules.ts';

export interface PermissionChange {
  vault: Vault;
  group: Group;
  from: VaultPermission;
  to: VaultPermission;
}

export function changeVaultPermission(
  deps: AccountDeps,
  actor: AdminActor,
  input: { vaultId: unknown; groupId: unknown; permission: unknown },
): Promise<PermissionChange> {
  const vaultId = assertId('vault id', input.vaultId);
  const groupId = assertId('groupId', input.groupId);
  const to = assertPermission(input.permission);
  return deps.store.transaction(async (tx) => {
    const vault = await tx.getVault(vaultId);
    if (vault === undefined) throw new AccountError('invalid_input', 'There is no such vault (any more).');
    const grants = await tx.lockVaultGrants(vault.id);
    const grant = grants.find((candidate) => candidate.groupId === groupId);
    const group = await tx.getGroup(groupId);
    if (group === undefined) throw new AccountError('group_not_found', 'There is no such group (any more).');
    if (grant === undefined) {
      throw new AccountError('invalid_input', `${group.displayName} does not open ${vault.name} (any more).`);
    }
    const from = grant.permission;
    if (from === to) return { vault, group, from, to };
    assertManagerKept(vault, grants, { groupId, groupName: group.displayName, to });
    await tx.setVaultGrantPermission(vault.id, groupId, to);
    await recordAdminActivity(
      deps,
      tx,
      nowIso(deps),
      actor,
      'vault.permission_changed',
      { targetType: 'group', targetId: group.id },
      { vaultId: vault.id, vault: vault.name, group: group.displayName, from, to },
    );
    return { vault, group, from, to };
  });
}
