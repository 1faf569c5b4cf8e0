/**
 * The IdP deletes a group: the group and its memberships go, the members and their data
 * stay. Built-in groups cannot be deleted (P19).
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { assertNoVaultLostWith, requireChangeableGroup } from './group-rules.ts';

export function deleteGroup(deps: AccountDeps, id: string): Promise<void> {
  return deps.store.transaction(async (tx) => {
    const group = await requireChangeableGroup(tx, id);
    await assertNoVaultLostWith(tx, group);
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
