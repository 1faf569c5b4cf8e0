/**
 * An administrator creates a custom group (issue 11). It starts without members and, unless
 * asked, outside provisioning's reach; `managed: true` puts it on the managed-groups list at
 * once, so that the IdP's group of the same name takes it over instead of being refused (P17).
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { assertGroupNameAvailable, groupNameOf, groupUniquenessError } from './group-rules.ts';
import type { Group } from './model.ts';

export function createCustomGroup(
  deps: AccountDeps,
  actor: AdminActor,
  input: { displayName: string; managed?: boolean },
): Promise<Group> {
  const displayName = groupNameOf(input.displayName);
  return deps.store.transaction(async (tx) => {
    await assertGroupNameAvailable(tx, displayName, null);
    const now = nowIso(deps);
    const group: Group = {
      id: deps.ids(),
      displayName,
      externalId: null,
      kind: 'custom',
      managed: input.managed === true,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    try {
      await tx.insertGroup(group);
    } catch (error) {
      groupUniquenessError(error, displayName);
    }
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'group.created',
      { targetType: 'group', targetId: group.id },
      {
        displayName,
        managed: group.managed,
      },
    );
    return group;
  });
}
