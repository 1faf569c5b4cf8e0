/**
 * The IdP deletes a user (P14): the member is suspended and hidden from SCIM, never
 * removed. Their rows, memberships and data stay for an administrator to recover or delete.
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { assertManageable } from './member-rules.ts';
import type { Member } from './model.ts';
import { endAccessOfSuspended } from './suspension.ts';

export function deleteMember(deps: AccountDeps, id: string): Promise<void> {
  return deps.store.transaction(async (tx) => {
    const existing = await tx.getMember(id);
    if (existing === undefined || existing.scimDeleted) {
      throw new AccountError('member_not_found', `no member with id ${id}`);
    }
    assertManageable(existing);
    const now = nowIso(deps);
    const next: Member = {
      ...existing,
      state: 'suspended',
      suspendedAt: existing.suspendedAt ?? now,
      scimDeleted: true,
      updatedAt: now,
      version: existing.version + 1,
    };
    if (!(await tx.updateMember(next, existing.version))) {
      throw new AccountError('version_mismatch', `member ${id} was changed by someone else; try again`);
    }
    await endAccessOfSuspended(tx, id, now);
    await recordActivity(
      deps,
      tx,
      now,
      'member.suspended',
      { targetType: 'member', targetId: id },
      {
        reason: 'deleted by the identity provider',
      },
    );
  });
}
