import { isBuiltInGroupName } from './built-in-groups.ts';
import { AccountError } from './errors.ts';
import type { Group, Vault, VaultGrant } from './model.ts';
import { type StoreOps, UniqueViolation } from './store.ts';
import { assertCleanText } from './text-rules.ts';
import { managedBesides } from './vault-permission-rules.ts';

/** (P17, P19) Unmanaged groups are invisible to SCIM, hence "not found". */
export async function requireChangeableGroup(ops: StoreOps, id: string): Promise<Group> {
  const group = await ops.getGroup(id);
  if (group === undefined) throw new AccountError('group_not_found', `no group with id ${id}`);
  if (group.kind === 'provision_managers') {
    throw new AccountError(
      'group_protected',
      `${group.displayName} belongs to the provisioning integration itself: it cannot be changed and people cannot be added to it`,
    );
  }
  if (group.kind !== 'custom') {
    throw new AccountError(
      'group_protected',
      `${group.displayName} is a built-in group: provisioning cannot rename, delete or change its members`,
    );
  }
  if (!group.managed) throw new AccountError('group_not_found', `no group with id ${id}`);
  return group;
}

/** (P17) Refuses unhanded custom groups' names, or a re-created integration would duplicate them. */
export async function assertGroupNameFree(
  ops: StoreOps,
  displayName: string,
  ownId: string | null,
): Promise<void> {
  assertCleanText('displayName', displayName);
  if (isBuiltInGroupName(displayName)) {
    throw new AccountError('group_protected', `"${displayName}" is the name of a built-in group`);
  }
  const holder = await ops.findGroupByDisplayName(displayName);
  if (holder === undefined || holder.id === ownId) return;
  if (holder.kind !== 'custom') {
    throw new AccountError('group_protected', `"${holder.displayName}" is the name of a built-in group`);
  }
  if (!holder.managed) {
    throw new AccountError(
      'group_not_managed',
      `a group named "${holder.displayName}" already exists but is not managed by provisioning; ` +
        `an administrator can put it on the managed-groups list on its page in the console (Groups), ` +
        `or, if a previous integration managed it, transfer that integration's groups (page Provisioning)`,
    );
  }
  throw new AccountError('group_name_taken', `a group named "${holder.displayName}" already exists`);
}

export function groupUniquenessError(error: unknown, displayName: string): never {
  if (error instanceof UniqueViolation) {
    throw new AccountError('group_name_taken', `a group named "${displayName}" already exists`);
  }
  throw error;
}

export async function writeGroupChange(ops: StoreOps, existing: Group, next: Group): Promise<void> {
  let written: boolean;
  try {
    written = await ops.updateGroup(next, existing.version);
  } catch (error) {
    groupUniquenessError(error, next.displayName);
  }
  if (!written) {
    throw new AccountError(
      'version_mismatch',
      `${existing.displayName} was changed by someone else; try again`,
    );
  }
}

/**
 * Deleting a vault's last granted group would leave it unopenable for good, and its last
 * managing group without a manager (P18): refused, whoever deletes. The grants are locked so
 * that a permission change at the same time cannot slip past the check.
 */
export async function assertNoVaultLostWith(ops: StoreOps, group: Group): Promise<void> {
  const grants = await ops.lockGrantsOfVaultsOpenedBy(group.id);
  const byVault = new Map<string, VaultGrant[]>();
  for (const grant of grants) {
    const vaultGrants = byVault.get(grant.vaultId);
    if (vaultGrants) vaultGrants.push(grant);
    else byVault.set(grant.vaultId, [grant]);
  }
  const orphaned: Vault[] = [];
  const unmanaged: Vault[] = [];
  for (const [vaultId, vaultGrants] of byVault) {
    const lost = vaultGrants.length === 1;
    const leftUnmanaged =
      !lost &&
      vaultGrants.some((grant) => grant.groupId === group.id && grant.permission === 'manage') &&
      !managedBesides(vaultGrants, group.id);
    if (!lost && !leftUnmanaged) continue;
    // Only the vaults the refusal names are read.
    const vault = await ops.getVault(vaultId);
    if (vault !== undefined) (lost ? orphaned : unmanaged).push(vault);
  }
  const names = (vaults: Vault[]) => vaults.map((vault) => `"${vault.name}"`).join(', ');
  const plural = (vaults: Vault[]) => (vaults.length > 1 ? 's' : '');
  if (orphaned.length > 0) {
    throw new AccountError(
      'group_protected',
      `${group.displayName} is the only group that can open the vault${plural(orphaned)} ` +
        `${names(orphaned)}; give another group access first`,
    );
  }
  if (unmanaged.length > 0) {
    throw new AccountError(
      'group_protected',
      `${group.displayName} is the only group that manages the vault${plural(unmanaged)} ` +
        `${names(unmanaged)}; give another group manage first`,
    );
  }
}

const GROUP_NAME_MAX = 200;

export function groupNameOf(text: string): string {
  const name = text.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (name === '' || name.length > GROUP_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AccountError('invalid_input', `a group name is 1 to ${GROUP_NAME_MAX} printable characters`);
  }
  return name;
}

export async function findGroup(ops: StoreOps, ref: string): Promise<Group | undefined> {
  const text = ref.trim();
  if (text === '' || text.length > 400) return undefined;
  return (await ops.getGroup(text)) ?? (await ops.findGroupByDisplayName(text));
}

/** Built-in groups are protected (P19). */
export async function requireCustomGroup(ops: StoreOps, ref: string, action: string): Promise<Group> {
  const group = await findGroup(ops, ref);
  if (group === undefined)
    throw new AccountError('group_not_found', `no group is known by "${ref.trim().slice(0, 400)}"`);
  if (group.kind !== 'custom') {
    throw new AccountError(
      'group_protected',
      group.kind === 'provision_managers'
        ? `${group.displayName} belongs to the provisioning integration itself and cannot be ${action}`
        : `${group.displayName} is a built-in group and cannot be ${action}`,
    );
  }
  return group;
}

export async function assertGroupNameAvailable(
  ops: StoreOps,
  displayName: string,
  ownId: string | null,
): Promise<void> {
  if (isBuiltInGroupName(displayName)) {
    throw new AccountError('group_protected', `"${displayName}" is the name of a built-in group`);
  }
  const holder = await ops.findGroupByDisplayName(displayName);
  if (holder !== undefined && holder.id !== ownId) {
    throw new AccountError('group_name_taken', `a group named "${holder.displayName}" already exists`);
  }
}

/** Moves the group's version on, so two changes of its members made at once cannot both pass their checks. */
export async function bumpGroup(ops: StoreOps, group: Group, now: string): Promise<void> {
  if (!(await ops.updateGroup({ ...group, version: group.version + 1, updatedAt: now }, group.version)))
    throw new AccountError(
      'version_mismatch',
      `${group.displayName} changed meanwhile, so nothing was changed. Try again.`,
    );
}

/**
 * The vaults nobody could open any more if the one share of `groupId`'s key left were lost
 * (none while others hold it). The group's grants are locked first, so that a grant revoked
 * at the same time cannot slip past the caller's check.
 */
export async function vaultsLostWithLastShare(ops: StoreOps, groupId: string): Promise<Vault[]> {
  if ((await ops.countGroupKeyShares(groupId)) > 1) return [];
  await ops.lockGrantsOfVaultsOpenedBy(groupId);
  return ops.listVaultsOnlyGrantedTo(groupId);
}
