/**
 * The IdP deletes a group: the group and its memberships go, the members and their data
 * stay. Built-in groups cannot be deleted (P19).
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { requireChangeableGroup } from './group-rules.ts';

export function deleteGroup(deps: AccountDeps, id: string): Promise<void> {
  return deps.store.transaction(async (tx) => {
    const group = await requireChangeableGroup(tx, id);
    // A vault's key is sealed only for the groups that may open it: deleting the last one
    // would leave the vault unopenable for good (nothing is ever lost by provisioning).
    const orphaned = await tx.listVaultsOnlyGrantedTo(id);
    if (orphaned.length > 0) {
      throw new AccountError(
        'group_protected',
        `${group.displayName} is the only group that can open the vault${orphaned.length > 1 ? 's' : ''} ` +
          `${orphaned.map((vault) => `"${vault.name}"`).join(', ')}; give another group access first`,
      );
    }
    await tx.deleteGroup(id);
    await recordActivity(
      deps,
      tx,
      nowIso(deps),
      'group.deleted',
      { targetType: 'group', targetId: id },
      {
        displayName: group.displayName,
      },
    );
  });
}
