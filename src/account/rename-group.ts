/**
 * An administrator renames a custom group (issue 11). Built-in groups keep their names
 * (P19). A managed group can be renamed too, but the IdP renames it back on its next push of
 * that group: the caller should say so (`group.managed`).
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import {
  assertGroupNameAvailable,
  groupNameOf,
  requireCustomGroup,
  writeGroupChange,
} from './group-rules.ts';
import type { Group } from './model.ts';

/** `changed` is false when the group already had that name (nothing is written). */
export function renameGroup(
  deps: AccountDeps,
  actor: AdminActor,
  ref: string,
  newName: string,
): Promise<{ group: Group; changed: boolean }> {
  const displayName = groupNameOf(newName);
  return deps.store.transaction(async (tx) => {
    const existing = await requireCustomGroup(tx, ref, 'renamed');
    if (existing.displayName === displayName) return { group: existing, changed: false };
    await assertGroupNameAvailable(tx, displayName, existing.id);
    const now = nowIso(deps);
    const next: Group = { ...existing, displayName, updatedAt: now, version: existing.version + 1 };
    await writeGroupChange(tx, existing, next);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'group.renamed',
      { targetType: 'group', targetId: next.id },
      {
        from: existing.displayName,
        to: displayName,
        managed: next.managed,
      },
    );
    return { group: next, changed: true };
  });
}
