/**
 * An administrator suspends a member (issue 11; P14 is the IdP's way): the member can no
 * longer sign in or sign up, their sessions and open invitation end, and their data, groups
 * and keys stay for a reactivation. Members the IdP manages are suspended in the IdP.
 */
import {
  type AdminActor,
  assertAdminMayChange,
  recordAdminActivity,
  requirePerson,
  writeAdminMemberChange,
} from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import type { Member } from './model.ts';
import { endAccessOfSuspended } from './suspension.ts';

/** `changed` is false when the member already was suspended (nothing is written). */
export function suspendMember(
  deps: AccountDeps,
  actor: AdminActor,
  ref: string,
): Promise<{ member: Member; changed: boolean }> {
  return deps.store.transaction(async (tx) => {
    const existing = await requirePerson(tx, ref);
    assertAdminMayChange(existing, actor, 'suspend');
    if (existing.state === 'suspended') return { member: existing, changed: false };
    const now = nowIso(deps);
    const next: Member = {
      ...existing,
      state: 'suspended',
      suspendedAt: now,
      updatedAt: now,
      version: existing.version + 1,
    };
    await writeAdminMemberChange(tx, existing, next);
    await endAccessOfSuspended(tx, next.id, now);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'member.suspended',
      { targetType: 'member', targetId: next.id },
      {
        previousState: existing.state,
      },
    );
    return { member: next, changed: true };
  });
}
