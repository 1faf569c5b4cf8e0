/** (P13) A link works once and only for the address still pending; suspended members' addresses never change (P15). */
import { sha256 } from '../crypto/digest.ts';
import { utf8ToBytes } from '../crypto/encoding.ts';
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { assertDomainAllowed, requireAccount, sameAddress } from './member-rules.ts';
import type { Member } from './model.ts';
import { newSecretToken, SECRET_TOKEN_SHAPE } from './secret-token.ts';
import { type StoreOps, UniqueViolation } from './store.ts';

export const EMAIL_CHANGE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const EMAIL_CHANGE_PATH = '/email-change';

export const randomSecret = (): string => newSecretToken();

export async function hashSecret(secret: string): Promise<string> {
  const digest = await sha256(utf8ToBytes(secret));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** No `link` without a public address: the mail then fails clearly instead of going out unusable. */
export async function issueEmailChangeToken(
  deps: AccountDeps,
  ops: StoreOps,
  memberId: string,
  newEmail: string,
  now: string,
): Promise<{ link?: string; expiresAt: string }> {
  const secret = (deps.secrets ?? randomSecret)();
  const expiresAt = new Date(Date.parse(now) + EMAIL_CHANGE_TTL_MS).toISOString();
  await ops.insertEmailChangeToken({
    tokenHash: await hashSecret(secret),
    memberId,
    newEmail,
    createdAt: now,
    expiresAt,
    usedAt: null,
  });
  if (deps.accountUrl === undefined) return { expiresAt };
  return { link: `${deps.accountUrl}${EMAIL_CHANGE_PATH}/${secret}`, expiresAt };
}

export type EmailChangeProblem =
  | 'unknown'
  | 'used'
  | 'expired'
  | 'superseded'
  | 'suspended'
  | 'domain_not_allowed'
  | 'email_taken';

export type EmailChangeCheck =
  | {
      ok: true;
      accountName: string;
      member: Member;
      currentEmail: string;
      newEmail: string;
      expiresAt: string;
    }
  | { ok: false; problem: EmailChangeProblem; detail: string };

function refused(problem: EmailChangeProblem, detail: string): EmailChangeCheck {
  return { ok: false, problem, detail };
}

async function check(ops: StoreOps, secret: string, now: string): Promise<EmailChangeCheck> {
  if (!SECRET_TOKEN_SHAPE.test(secret)) return refused('unknown', 'This link is not valid.');
  const token = await ops.getEmailChangeToken(await hashSecret(secret));
  if (token === undefined) return refused('unknown', 'This link is not valid.');
  if (token.usedAt !== null) return refused('used', 'This link has already been used.');
  if (token.expiresAt <= now) return refused('expired', 'This link has expired.');
  const member = await ops.getMember(token.memberId);
  if (member === undefined || member.scimDeleted) {
    return refused('superseded', 'This change no longer applies: the member is no longer in the account.');
  }
  if (member.state === 'suspended') {
    return refused('suspended', 'This change cannot be made while the member is suspended.');
  }
  if (member.pendingEmail === null || !sameAddress(member.pendingEmail, token.newEmail)) {
    return refused(
      'superseded',
      'This change no longer applies: your organisation changed or withdrew the new address since this e-mail was sent.',
    );
  }
  const account = await requireAccount(ops);
  try {
    assertDomainAllowed(account, member.pendingEmail);
  } catch (error) {
    if (error instanceof AccountError) return refused('domain_not_allowed', `${error.message}.`);
    throw error;
  }
  const holder = await ops.findMemberByEmail(member.pendingEmail);
  if (holder !== undefined && holder.id !== member.id) {
    return refused('email_taken', 'Another member of the account already uses the new address.');
  }
  return {
    ok: true,
    accountName: account.name,
    member,
    currentEmail: member.email,
    newEmail: member.pendingEmail,
    expiresAt: token.expiresAt,
  };
}

/** Changes nothing: link scanners open links too. */
export function previewEmailChange(deps: AccountDeps, secret: string): Promise<EmailChangeCheck> {
  return check(deps.store, secret, nowIso(deps));
}

export function acceptEmailChange(deps: AccountDeps, secret: string): Promise<EmailChangeCheck> {
  return deps.store
    .transaction(async (tx) => {
      const now = nowIso(deps);
      const checked = await check(tx, secret, now);
      if (!checked.ok) return checked;
      const { member, newEmail } = checked;
      if (!(await tx.useEmailChangeToken(await hashSecret(secret), now))) {
        return refused('used', 'This link has already been used.');
      }
      const next: Member = {
        ...member,
        email: newEmail,
        pendingEmail: null,
        updatedAt: now,
        version: member.version + 1,
      };
      let written: boolean;
      try {
        written = await tx.updateMember(next, member.version);
      } catch (error) {
        if (error instanceof UniqueViolation) {
          throw new EmailChangeRace('Another member of the account already uses the new address.');
        }
        throw error;
      }
      // A concurrent IdP update got there first; the member can simply open the link again.
      if (!written)
        throw new EmailChangeRace('The member was changed at the same moment; open the link again.');
      await recordActivity(
        deps,
        tx,
        now,
        'member.email_changed',
        { targetType: 'member', targetId: member.id },
        { previousEmail: member.email, newEmail },
        'member',
      );
      return { ...checked, member: next };
    })
    .catch((error: unknown) => {
      // Thrown inside the transaction so that the used token is rolled back with it.
      if (error instanceof EmailChangeRace) {
        return refused(error.message.startsWith('Another') ? 'email_taken' : 'superseded', error.message);
      }
      throw error;
    });
}

class EmailChangeRace extends Error {}
