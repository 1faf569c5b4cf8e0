/** The IdP renames a group or changes its externalId (P17). Built-in groups keep their names (P19). */

import { recordActivity } from './activity.ts';
import type { GroupInput } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { assertGroupNameFree, groupUniquenessError, requireChangeableGroup } from './group-rules.ts';
import type { Group } from './model.ts';

export function updateGroup(
  deps: AccountDeps,
  id: string,
  input: GroupInput,
  expectedVersion?: number,
): Promise<Group> {
  return deps.store.transaction(async (tx) => {
    const group = await requireChangeableGroup(tx, id);
    if (expectedVersion !== undefined && group.version !== expectedVersion) {
      throw new AccountError(
        'version_mismatch',
        `group ${id} is at version ${group.version}, not ${expectedVersion}`,
      );
    }
    const renamed = input.displayName !== group.displayName;
    if (!renamed && input.externalId === group.externalId) return group;
    if (renamed) await assertGroupNameFree(tx, input.displayName, id);
    const now = nowIso(deps);
    const next: Group = {
      ...group,
      displayName: input.displayName,
      externalId: input.externalId,
      updatedAt: now,
      version: group.version + 1,
    };
    let written: boolean;
    try {
      written = await tx.updateGroup(next, group.version);
    } catch (error) {
      groupUniquenessError(error, input.displayName);
    }
    if (!written)
      throw new AccountError('version_mismatch', `group ${id} was changed by someone else; read it again`);
    await recordActivity(
      deps,
      tx,
      now,
      renamed ? 'group.renamed' : 'group.updated',
      { targetType: 'group', targetId: id },
      renamed ? { from: group.displayName, to: next.displayName } : { externalId: next.externalId },
    );
    return next;
  });
}
