/**
 * (P18) Grant permissions, ordered view < edit < manage, and the rule every change of a
 * grant obeys: a vault always keeps at least one group that manages it, or no one could
 * set its permissions any more. Callers read the grants with `lockVaultGrants` (or
 * `lockGrantsOfVaultsOpenedBy`) so that two changes at once cannot both pass the check.
 */
import { AccountError } from './errors.ts';
import { VAULT_PERMISSIONS, type Vault, type VaultGrant, type VaultPermission } from './model.ts';

export function assertPermission(value: unknown): VaultPermission {
  if (typeof value === 'string' && (VAULT_PERMISSIONS as readonly string[]).includes(value)) {
    return value as VaultPermission;
  }
  throw new AccountError('invalid_input', `the permission must be one of ${VAULT_PERMISSIONS.join(', ')}`);
}

/** True when `held` includes everything `needed` allows. */
export function permits(held: VaultPermission, needed: VaultPermission): boolean {
  return VAULT_PERMISSIONS.indexOf(held) >= VAULT_PERMISSIONS.indexOf(needed);
}

/** Whether some grant other than `groupId`'s manages the vault. */
export function managedBesides(grants: readonly VaultGrant[], groupId: string): boolean {
  return grants.some((grant) => grant.groupId !== groupId && grant.permission === 'manage');
}

/**
 * Refuses when `groupId` is the vault's last manager and would stop managing it: `to` is its
 * new permission, or null when its grant goes.
 */
export function assertManagerKept(
  vault: Vault,
  grants: readonly VaultGrant[],
  change: { groupId: string; groupName: string; to: VaultPermission | null },
): void {
  const own = grants.find((grant) => grant.groupId === change.groupId);
  if (own?.permission !== 'manage' || change.to === 'manage' || managedBesides(grants, change.groupId)) {
    return;
  }
  throw new AccountError(
    'last_vault_manager',
    `${change.groupName} is the only group that manages ${vault.name}: give another group manage first` +
      (change.to === null ? ', or the vault would have no manager' : ', so that the vault keeps a manager'),
  );
}
