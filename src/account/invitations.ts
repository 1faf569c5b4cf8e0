/** (P9, P12) A plain SHA-256 suffices: the token is high-entropy. A new link revokes the old ones. */
import { enqueueMail } from './activity.ts';
import { type AccountDeps, signupSettings } from './deps.ts';
import type { Account, Invitation, Member } from './model.ts';
import { digestSecretToken, newSecretToken, SECRET_TOKEN_SHAPE } from './secret-token.ts';
import type { StoreOps } from './store.ts';

export const hashInvitationToken = digestSecretToken;

/** Refused before touching the database. */
export function isInvitationTokenShaped(token: string): boolean {
  return SECRET_TOKEN_SHAPE.test(token);
}

export function signupLink(accountUrl: string, token: string): string {
  return `${accountUrl.replace(/\/+$/, '')}/signup/${token}`;
}

export type InvitationStatus = 'open' | 'used' | 'revoked' | 'expired';

export function invitationStatus(invitation: Invitation, now: string): InvitationStatus {
  if (invitation.usedAt !== null) return 'used';
  if (invitation.revokedAt !== null) return 'revoked';
  if (invitation.expiresAt <= now) return 'expired';
  return 'open';
}

export interface InvitationMailData {
  memberId: string;
  accountName: string;
  displayName?: string;
  /** Plain token; the sender removes it after delivery. */
  link: string;
  expiresAt: string;
  [key: string]: unknown;
}

/** Returns the link for the CLI, which may print it when no mail is configured. */
export async function issueInvitation(
  deps: AccountDeps,
  ops: StoreOps,
  account: Pick<Account, 'name'>,
  member: Pick<Member, 'id' | 'email' | 'displayName'>,
  now: string,
  firstForMember = false,
  /** False for the owner's setup link, printed instead. */
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

/** Also drops queued invitation mail: sent later (SMTP set up after the fact), its dead link would mislead. */
export async function revokeInvitations(
  ops: StoreOps,
  memberId: string,
  now: string,
  reason: 'replaced by a newer invitation' | 'the member was suspended' | 'the member signed up',
): Promise<void> {
  await ops.revokeOpenInvitations(memberId, now);
  await ops.dropQueuedMail(memberId, 'invitation', `not sent: ${reason}`);
}
