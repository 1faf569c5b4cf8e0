/**
 * Invitation links (P9, P12). A link carries 32 random bytes; the account keeps only their
 * SHA-256 digest, so a copy of the database opens no sign-up page. A plain digest suffices
 * because the token is high-entropy: there is nothing to guess.
 *
 * Issuing a link revokes every earlier open link of the member ("the old link dies") and
 * puts the new one into the invitation e-mail in the same transaction. The outbox row holds
 * the link until the sender delivers it and removes it.
 */
import { enqueueMail } from './activity.ts';
import { type AccountDeps, signupSettings } from './deps.ts';
import type { Account, Invitation, Member } from './model.ts';
import { digestSecretToken, newSecretToken, SECRET_TOKEN_SHAPE } from './secret-token.ts';
import type { StoreOps } from './store.ts';

export const hashInvitationToken = digestSecretToken;

/** A syntactically possible token; anything else is refused before touching the database. */
export function isInvitationTokenShaped(token: string): boolean {
  return SECRET_TOKEN_SHAPE.test(token);
}

export function signupLink(accountUrl: string, token: string): string {
  return `${accountUrl.replace(/\/+$/, '')}/signup/${token}`;
}

/** Where an invitation stands at `now`. */
export type InvitationStatus = 'open' | 'used' | 'revoked' | 'expired';

export function invitationStatus(invitation: Invitation, now: string): InvitationStatus {
  if (invitation.usedAt !== null) return 'used';
  if (invitation.revokedAt !== null) return 'revoked';
  if (invitation.expiresAt <= now) return 'expired';
  return 'open';
}

/** The contract of the invitation outbox row's `data`, shared with the mail sender. */
export interface InvitationMailData {
  memberId: string;
  accountName: string;
  displayName?: string;
  /** The full sign-up URL with the plain token; the sender removes it after delivery. */
  link: string;
  expiresAt: string;
  [key: string]: unknown;
}

/**
 * Issues a new invitation for `member` through the caller's transaction: revokes the open
 * ones, stores the new digest, and queues the e-mail with the link. Returns the link (for
 * the CLI, which may print it when no mail is configured) and the invitation.
 */
export async function issueInvitation(
  deps: AccountDeps,
  ops: StoreOps,
  account: Pick<Account, 'name'>,
  member: Pick<Member, 'id' | 'email' | 'displayName'>,
  now: string,
  /** True for a member created in this transaction: there is nothing to revoke. */
  firstForMember = false,
  /** False for the owner's setup link, which is printed to the operator instead of mailed. */
  sendMail = true,
): Promise<{ invitation: Invitation; link: string }> {
  const settings = signupSettings(deps);
  const token = newSecretToken();
  const invitation: Invitation = {
    id: deps.ids(),
    memberId: member.id,
    tokenHash: hashInvitationToken(token),
    createdAt: now,
    expiresAt: new Date(Date.parse(now) + settings.invitationValidityMs).toISOString(),
    usedAt: null,
    revokedAt: null,
  };
  if (!firstForMember) await revokeInvitations(ops, member.id, now, 'replaced by a newer invitation');
  await ops.insertInvitation(invitation);
  const link = signupLink(settings.accountUrl, token);
  const data: InvitationMailData = {
    memberId: member.id,
    accountName: account.name,
    ...(member.displayName ? { displayName: member.displayName } : {}),
    link,
    expiresAt: invitation.expiresAt,
  };
  if (sendMail) await enqueueMail(deps, ops, now, member.email, 'invitation', data);
  return { invitation, link };
}

/**
 * Ends every open invitation of a member, and gives up the invitation mail still queued for
 * them: its link no longer works, and sending it later (SMTP set up after the fact) would
 * only mislead. The rows stay in the outbox as `failed` with the reason, without the link.
 */
export async function revokeInvitations(
  ops: StoreOps,
  memberId: string,
  now: string,
  reason: 'replaced by a newer invitation' | 'the member was suspended' | 'the member signed up',
): Promise<void> {
  await ops.revokeOpenInvitations(memberId, now);
  await ops.dropQueuedMail(memberId, 'invitation', `not sent: ${reason}`);
}
