/**
 * An administrator deletes a custom group (issue 11): the group, its memberships, the key
 * shares they carry and its vault grants go; the members stay. Built-in groups cannot be
 * deleted (P19), nor a group that is the last one able to open some vault. A managed group
 * can be deleted too, but the IdP creates it again on its next push: the caller should say
 * so (`group.managed`).
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { assertNoVaultLostWith, requireCustomGroup } from './group-rules.ts';
import type { Group } from './model.ts';

export function removeGroup(deps: AccountDeps, actor: AdminActor, ref: string): Promise<Group> {
  return deps.store.transaction(async (tx) => {
    const group = await requireCustomGroup(tx, ref, 'deleted');
    await assertNoVaultLostWith(tx, group);
    const members = await tx.countGroupMembers(group.id);
    await tx.deleteGroup(group.id);
    await recordAdminActivity(
      deps,
      tx,
      nowIso(deps),
      actor,
      'group.deleted',
      { targetType: 'group', targetId: group.id },
      {
        displayName: group.displayName,
        managed: group.managed,
        members,
      },
    );
    return group;
  });
}
