/**
 * Re-invite (P12): the member's first invitation went nowhere — it expired unused, was
 * revoked, was never issued, or its e-mail could not be delivered. A fresh invitation with
 * a new link and a full validity period goes out; any link still open dies.
 *
 * Resend is for a link that still works; re-invite is for one that does not (or whose mail
 * failed). Each refuses the other's case with a message naming the right one, so that the
 * activity log tells the two stories apart.
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { invitationStatus, issueInvitation } from './invitations.ts';
import { requireAccount } from './member-rules.ts';
import { type InvitationSent, invitedMemberByEmail } from './resend-invitation.ts';
import { SignupError } from './signup-errors.ts';
import type { StoreOps } from './store.ts';

/**
 * Whether the e-mail of the invitation issued at `issuedAt` failed for good. The mail is
 * queued in the invitation's transaction, so it carries the same timestamp. Failed mail is
 * rare and the list is newest first, so a bounded read suffices.
 */
async function invitationMailFailed(ops: StoreOps, memberId: string, issuedAt: string): Promise<boolean> {
  const failed = await ops.listMail({ limit: 1000, state: 'failed' });
  return failed.some(
    (message) =>
      message.template === 'invitation' &&
      message.data.memberId === memberId &&
      message.createdAt >= issuedAt,
  );
}

export function reinviteMember(deps: AccountDeps, email: string): Promise<InvitationSent> {
  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    const member = await invitedMemberByEmail(tx, email);
    const latest = (await tx.listInvitations(member.id))[0];
    const status = latest === undefined ? 'none' : invitationStatus(latest, now);
    if (status === 'open' && !(await invitationMailFailed(tx, member.id, latest!.createdAt))) {
      throw new SignupError(
        'not_invitable',
        `${member.email} has a working invitation (until ${latest!.expiresAt}); use resend to send a new link`,
      );
    }
    const account = await requireAccount(tx);
    const { invitation, link } = await issueInvitation(deps, tx, account, member, now);
    await recordActivity(
      deps,
      tx,
      now,
      'member.reinvited',
      { targetType: 'member', targetId: member.id },
      {
        previousInvitation: status,
      },
    );
    return { member, link, expiresAt: invitation.expiresAt };
  });
}
