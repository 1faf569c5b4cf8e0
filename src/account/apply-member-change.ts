/**
 * Writes the IdP's description of an existing member (update, match or revival) with the
 * activity and mail it causes, all through the caller's transaction.
 */

import { enqueueMail, recordActivity } from './activity.ts';
import type { MemberInput } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { issueEmailChangeToken } from './email-change.ts';
import { AccountError } from './errors.ts';
import {
  assertDomainAllowed,
  assertEmailFree,
  memberUniquenessError,
  planMemberChange,
  sameAddress,
} from './member-rules.ts';
import type { Account, Member } from './model.ts';
import type { StoreOps } from './store.ts';
import { endAccessOfSuspended, restoreAccessOfReactivated } from './suspension.ts';

export async function applyMemberChange(
  deps: AccountDeps,
  ops: StoreOps,
  /** Read only when needed: most updates (names, profile, suspension) never look at the account. */
  loadAccount: () => Promise<Account>,
  existing: Member,
  input: MemberInput,
  now: string,
  action: 'member.updated' | 'member.matched' | 'member.restored',
): Promise<Member> {
  const plan = planMemberChange(existing, input, now);
  if (plan.emailChangeRequested !== null) {
    assertDomainAllowed(await loadAccount(), plan.emailChangeRequested);
    await assertEmailFree(ops, plan.emailChangeRequested, existing.id);
  }
  // A redundant update writes nothing and keeps the version, so ETags stay valid.
  if (!plan.changed) {
    await resendExpiredEmailChange(deps, ops, loadAccount, existing, input, now);
    return existing;
  }

  const next: Member = { ...plan.next, version: existing.version + 1, updatedAt: now };
  let written: boolean;
  try {
    written = await ops.updateMember(next, existing.version, existing);
  } catch (error) {
    memberUniquenessError(error, input);
  }
  if (!written) {
    throw new AccountError(
      'version_mismatch',
      `member ${existing.id} was changed by someone else; read it again`,
    );
  }

  const target = { targetType: 'member', targetId: next.id } as const;
  // One entry per change: a suspension or reactivation names it, unless it matched or revived.
  const named =
    action !== 'member.updated'
      ? action
      : plan.suspended
        ? 'member.suspended'
        : plan.reactivated
          ? 'member.reactivated'
          : action;
  await recordActivity(deps, ops, now, named, target, {
    userName: next.userName,
    ...(plan.suspended || plan.reactivated ? { state: next.state } : {}),
  });
  if (plan.suspended) await endAccessOfSuspended(ops, next.id, now);
  if (plan.reactivated) await restoreAccessOfReactivated(deps, ops, loadAccount, next, now);
  if (plan.emailChangeRequested !== null) {
    // The mail goes to the new address: accepting proves the member reads it (P13).
    const { link, expiresAt } = await issueEmailChangeToken(
      deps,
      ops,
      next.id,
      plan.emailChangeRequested,
      now,
    );
    await enqueueMail(deps, ops, now, plan.emailChangeRequested, 'email_change', {
      memberId: next.id,
      accountName: (await loadAccount()).name,
      currentEmail: next.email,
      newEmail: plan.emailChangeRequested,
      ...(link === undefined ? {} : { link }),
      expiresAt,
    });
    await recordActivity(deps, ops, now, 'member.email_change_requested', target, {
      newEmail: plan.emailChangeRequested,
    });
  }
  return next;
}

/**
 * The IdP sends the address the member was already asked to accept, but that link has
 * expired (or was never issued): the member gets a fresh link. This is how "have the change
 * sent again" works — the IdP pushes the user again — without mailing on every push.
 */
async function resendExpiredEmailChange(
  deps: AccountDeps,
  ops: StoreOps,
  loadAccount: () => Promise<Account>,
  existing: Member,
  input: MemberInput,
  now: string,
): Promise<void> {
  const pending = existing.pendingEmail;
  if (pending === null || existing.state === 'suspended' || !input.active) return;
  if (!sameAddress(pending, input.email)) return;
  const latest = await ops.latestEmailChangeToken(existing.id);
  if (latest !== undefined && latest.usedAt === null && latest.expiresAt > now) return;
  const { link, expiresAt } = await issueEmailChangeToken(deps, ops, existing.id, pending, now);
  await enqueueMail(deps, ops, now, pending, 'email_change', {
    memberId: existing.id,
    accountName: (await loadAccount()).name,
    currentEmail: existing.email,
    newEmail: pending,
    ...(link === undefined ? {} : { link }),
    expiresAt,
  });
  await recordActivity(
    deps,
    ops,
    now,
    'member.email_change_resent',
    {
      targetType: 'member',
      targetId: existing.id,
    },
    { newEmail: pending },
  );
}
