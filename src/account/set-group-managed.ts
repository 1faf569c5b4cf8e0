/**
 * The managed-groups list (P17): an administrator hands an existing custom group to
 * provisioning, so that the IdP's group of that name (a re-created integration's, say) takes
 * it over instead of being refused as a duplicate, or takes one back. A group taken back is
 * invisible to the IdP from then on (404), and its key's seal for the bridge is withdrawn: the
 * bridge holds only the keys of groups provisioning manages, so a copy of its data no longer
 * opens it (handed back later, an administrator gives the key again: `group give-key-to-bridge`).
 * Built-in groups are never managed (P19). Either way a group a previous integration managed is
 * then out of the transfer (P20).
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { requireCustomGroup, writeGroupChange } from './group-rules.ts';
import type { Group } from './model.ts';

/** `changed` is false when the group already was so (nothing is written). */
export function setGroupManaged(
  deps: AccountDeps,
  actor: AdminActor,
  ref: string,
  managed: boolean,
): Promise<{ group: Group; changed: boolean }> {
  return deps.store.transaction(async (tx) => {
    const existing = await requireCustomGroup(tx, ref, managed ? 'managed by provisioning' : 'changed');
    // Decided about by itself, a group of a previous integration no longer waits for a transfer (P20).
    const forgotten = await tx.forgetPreviousIntegration(existing.id);
    if (existing.managed === managed) {
      if (forgotten) {
        await recordAdminActivity(
          deps,
          tx,
          nowIso(deps),
          actor,
          'group.kept_from_transfer',
          { targetType: 'group', targetId: existing.id },
          { displayName: existing.displayName },
        );
      }
      return { group: existing, changed: forgotten };
    }
    const now = nowIso(deps);
    const next: Group = { ...existing, managed, updatedAt: now, version: existing.version + 1 };
    await writeGroupChange(tx, existing, next);
    const keyWithdrawn = !managed && (await tx.withdrawProvisioningSeal(next.id));
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      managed ? 'group.managed' : 'group.unmanaged',
      { targetType: 'group', targetId: next.id },
      { displayName: next.displayName, ...(keyWithdrawn ? { keyWithdrawnFromBridge: true } : {}) },
    );
    return { group: next, changed: true };
  });
}
