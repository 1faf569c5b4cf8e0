/**
 * An administrator reactivates a suspended member (issue 11): they return to the state they
 * had reached (invited, pending or active), and one who never signed up gets a new
 * invitation. Members the IdP manages are reactivated in the IdP.
 */
import {
  type AdminActor,
  assertAdminMayChange,
  recordAdminActivity,
  requirePerson,
  writeAdminMemberChange,
} from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { requireAccount, restoredState } from './member-rules.ts';
import type { Member } from './model.ts';
import { restoreAccessOfReactivated } from './suspension.ts';

/** `changed` is false when the member was not suspended (nothing is written). */
export function reactivateMember(
  deps: AccountDeps,
  actor: AdminActor,
  ref: string,
): Promise<{ member: Member; changed: boolean }> {
  return deps.store.transaction(async (tx) => {
    const existing = await requirePerson(tx, ref);
    assertAdminMayChange(existing, actor, 'reactivate');
    if (existing.state !== 'suspended') return { member: existing, changed: false };
    const now = nowIso(deps);
    const next: Member = {
      ...existing,
      state: restoredState(existing),
      suspendedAt: null,
      updatedAt: now,
      version: existing.version + 1,
    };
    await writeAdminMemberChange(tx, existing, next);
    await restoreAccessOfReactivated(deps, tx, () => requireAccount(tx), next, now);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'member.reactivated',
      { targetType: 'member', targetId: next.id },
      {
        state: next.state,
      },
    );
    return { member: next, changed: true };
  });
}
