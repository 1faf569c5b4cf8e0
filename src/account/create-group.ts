/** The IdP pushes a new group (P17): it becomes a managed custom group with its first members. */

import { recordActivity } from './activity.ts';
import type { GroupInput } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { admitAdditions } from './group-membership.ts';
import { assertGroupNameFree, groupUniquenessError } from './group-rules.ts';
import type { Group } from './model.ts';

export function createGroup(
  deps: AccountDeps,
  input: GroupInput,
  memberIds: readonly string[],
): Promise<Group> {
  return deps.store.transaction(async (tx) => {
    await assertGroupNameFree(tx, input.displayName, null);
    const additions = await admitAdditions(tx, memberIds);
    const now = nowIso(deps);
    const group: Group = {
      id: deps.ids(),
      displayName: input.displayName,
      externalId: input.externalId,
      kind: 'custom',
      managed: true,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    try {
      await tx.insertGroup(group);
    } catch (error) {
      groupUniquenessError(error, input.displayName);
    }
    const added = additions.admitted.length > 0 ? await tx.addGroupMembers(group.id, additions.admitted) : 0;
    const target = { targetType: 'group', targetId: group.id } as const;
    await recordActivity(deps, tx, now, 'group.created', target, { displayName: group.displayName, added });
    if (additions.skipped.length > 0) {
      await recordActivity(deps, tx, now, 'group.members_skipped', target, {
        memberIds: additions.skipped,
        reason: 'owners and guests cannot be managed by provisioning',
      });
    }
    return group;
  });
}
