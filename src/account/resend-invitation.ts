/**
 * Resend (P12): the invitee's link still works, but the e-mail went astray or was deleted.
 * The link exists nowhere but in that e-mail (the account keeps only its digest), so
 * "resending" mints a new link and sends it; the old link dies in the same transaction.
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { invitationStatus, issueInvitation } from './invitations.ts';
import { requireAccount } from './member-rules.ts';
import type { Member } from './model.ts';
import { SignupError } from './signup-errors.ts';
import type { StoreOps } from './store.ts';

export interface InvitationSent {
  member: Member;
  /** The new sign-up link (also in the outbox), for operators without mail set up. */
  link: string;
  expiresAt: string;
}

/** The invited member with this address, or a SignupError that says why there is none. */
export async function invitedMemberByEmail(ops: StoreOps, email: string): Promise<Member> {
  const member = await ops.findMemberByEmail(email);
  if (member === undefined || member.scimDeleted) {
    throw new AccountError('member_not_found', `no member has the e-mail address ${email}`);
  }
  if (member.state !== 'invited') {
    const why =
      member.state === 'suspended'
        ? 'is suspended; reactivate them in your identity provider first'
        : 'has already signed up';
    throw new SignupError('not_invitable', `${member.email} ${why}, so there is nothing to send`);
  }
  return member;
}

export function resendInvitation(deps: AccountDeps, email: string): Promise<InvitationSent> {
  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    const member = await invitedMemberByEmail(tx, email);
    const latest = (await tx.listInvitations(member.id))[0];
    if (latest === undefined || invitationStatus(latest, now) !== 'open') {
      throw new SignupError(
        'not_invitable',
        `${member.email} has no working invitation to resend (it expired or was never sent); use re-invite instead`,
      );
    }
    const account = await requireAccount(tx);
    const { invitation, link } = await issueInvitation(deps, tx, account, member, now);
    await recordActivity(deps, tx, now, 'member.invitation_resent', {
      targetType: 'member',
      targetId: member.id,
    });
    return { member, link, expiresAt: invitation.expiresAt };
  });
}
