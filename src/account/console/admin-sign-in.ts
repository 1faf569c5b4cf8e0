/**
 * Sign-in to the admin console for members of Owners and Administrators, with the member
 * sign-in's proof scheme (member-sign-in.ts: the server never sees the password), and the
 * console's sessions.
 *
 * A console session is a member session row (the table holds only digests) whose digest is
 * taken under a console prefix: a member's cookie is no console session and a console
 * cookie no member session, with no second table. It ends after `idleMs` without a request
 * and at the latest `absoluteMs` after sign-in; each request moves the idle end forward
 * (written at most once a minute). Every request re-reads the member and their groups, so
 * suspension or leaving Administrators ends the console at once.
 */
import { isAdministrator } from '../administrator-rules.ts';
import { type AccountDeps, nowIso } from '../deps.ts';
import { maySignIn, verifySignIn } from '../member-sign-in.ts';
import type { Member, MemberSession } from '../model.ts';
import { digestSecretToken, newSecretToken, SECRET_TOKEN_SHAPE } from '../secret-token.ts';
import { SignupError } from '../signup-errors.ts';

export interface ConsoleSessionSettings {
  /** A session ends this long after its last request. */
  idleMs: number;
  /** …and this long after sign-in, however busy. */
  absoluteMs: number;
}

export const DEFAULT_CONSOLE_SESSIONS: ConsoleSessionSettings = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3600_000,
};

/** Extending an idle end by less than this is not worth a write. */
const EXTEND_STEP_MS = 60_000;

export const NOT_AN_ADMINISTRATOR =
  'This sign-in is for the owners and administrators of the account. To see your own account and vaults, sign in at /signin.';

export function consoleSessionDigest(token: string): string {
  return digestSecretToken(`scimbridge console session v1|${token}`);
}

export interface AdminSignedIn {
  member: Member;
  /** The cookie value: given to the browser once, stored nowhere. */
  sessionToken: string;
  session: MemberSession;
}

export async function adminSignIn(
  deps: AccountDeps,
  settings: ConsoleSessionSettings,
  input: { email: string; proof: unknown },
): Promise<AdminSignedIn> {
  const member = await verifySignIn(deps, input);
  // Said only after the password proved right, so it tells a stranger nothing.
  if (!(await isAdministrator(deps.store, member)))
    throw new SignupError('not_administrator', NOT_AN_ADMINISTRATOR);
  const { sessionToken, session } = newConsoleSession(deps, settings, member.id);
  await deps.store.deleteExpiredMemberSessions(session.createdAt);
  await deps.store.insertMemberSession(session);
  return { member, sessionToken, session };
}

/** A new console session for `memberId`, not yet stored (sign-in stores it; a password change in its transaction). */
export function newConsoleSession(
  deps: AccountDeps,
  settings: ConsoleSessionSettings,
  memberId: string,
): { sessionToken: string; session: MemberSession } {
  const now = nowIso(deps);
  const sessionToken = newSecretToken();
  return {
    sessionToken,
    session: {
      tokenHash: consoleSessionDigest(sessionToken),
      memberId,
      createdAt: now,
      expiresAt: idleEnd(settings, now, now),
    },
  };
}

function idleEnd(settings: ConsoleSessionSettings, createdAt: string, now: string): string {
  return new Date(
    Math.min(Date.parse(now) + settings.idleMs, Date.parse(createdAt) + settings.absoluteMs),
  ).toISOString();
}

/** The administrator behind a console cookie, or undefined (unknown, ended, or no longer allowed). */
export async function adminOfSession(
  deps: AccountDeps,
  settings: ConsoleSessionSettings,
  sessionToken: string,
): Promise<{ member: Member; session: MemberSession } | undefined> {
  if (!SECRET_TOKEN_SHAPE.test(sessionToken)) return undefined;
  const tokenHash = consoleSessionDigest(sessionToken);
  const session = await deps.store.getMemberSession(tokenHash);
  const now = nowIso(deps);
  if (session === undefined || session.expiresAt <= now) return undefined;
  const member = await deps.store.getMember(session.memberId);
  if (!maySignIn(member) || !(await isAdministrator(deps.store, member))) return undefined;
  const next = idleEnd(settings, session.createdAt, now);
  if (Date.parse(next) - Date.parse(session.expiresAt) >= EXTEND_STEP_MS) {
    await deps.store.extendMemberSession(tokenHash, next);
    return { member, session: { ...session, expiresAt: next } };
  }
  return { member, session };
}

export async function adminSignOut(deps: AccountDeps, sessionToken: string): Promise<void> {
  if (!SECRET_TOKEN_SHAPE.test(sessionToken)) return;
  await deps.store.deleteMemberSession(consoleSessionDigest(sessionToken));
}
