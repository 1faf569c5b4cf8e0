/** Rules shared by the group use cases (P17–P19). */
import { isBuiltInGroupName } from './built-in-groups.ts';
import { AccountError } from './errors.ts';
import type { Group } from './model.ts';
import { type StoreOps, UniqueViolation } from './store.ts';
import { assertCleanText } from './text-rules.ts';

/**
 * A group provisioning may change: it exists, is not built-in (P19) and is managed (P17).
 * Groups an administrator has not made managed are invisible to SCIM, hence "not found".
 */
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

/**
 * A name the IdP wants for a group: free, not a built-in, and not an existing custom group
 * that an administrator still has to hand over (P17: otherwise a re-created integration
 * would duplicate the groups it pushed before).
 */
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
        `an administrator can add it to the managed groups list in the console`,
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
