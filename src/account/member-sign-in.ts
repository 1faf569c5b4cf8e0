/**
 * No account enumeration: unknown addresses get stable decoy parameters (HMAC under a stored
 * secret), and failures look and take the same. Sessions store only a digest, so a database
 * copy cannot sign in; every request re-reads the member, so suspension ends them at once.
 */
import { createHmac } from 'node:crypto';
import { isProofShaped, PROOF_SALT_BYTES, type SignInProofParameters } from '../crypto/sign-in-proof.ts';
import { type AccountDeps, nowIso, signupSettings } from './deps.ts';
import type { Member, MemberSession } from './model.ts';
import { spendProofCheck, verifyProof } from './proof-hash.ts';
import { digestSecretToken, newSecretToken, SECRET_TOKEN_SHAPE } from './secret-token.ts';
import { SignupError } from './signup-errors.ts';

const DECOY_SECRET = 'sign-in-decoy-v1';
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets. */
const MAX_EMAIL_LENGTH = 256;
const FAILED = 'The e-mail address or the password is not right.';
const SUSPENDED =
  'This account is suspended. If you should have access, ask your administrator to reactivate it.';

export function parseEmail(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > MAX_EMAIL_LENGTH ||
    !value.includes('@')
  ) {
    throw new SignupError('invalid_input', 'email must be an e-mail address');
  }
  return value.trim();
}

export function maySignIn(member: Member | undefined): member is Member {
  return (
    member !== undefined && !member.scimDeleted && (member.state === 'pending' || member.state === 'active')
  );
}

/** Read once per store: the secret never changes, and a read per request would be a write on SQLite. */
const decoySecrets = new WeakMap<object, Promise<string>>();

function decoySecret(deps: AccountDeps): Promise<string> {
  let secret = decoySecrets.get(deps.store);
  if (secret === undefined) {
    secret = deps.store.ensureAccountSecret(DECOY_SECRET, newSecretToken());
    secret.catch(() => decoySecrets.delete(deps.store));
    decoySecrets.set(deps.store, secret);
  }
  return secret;
}

export async function signInParameters(deps: AccountDeps, email: string): Promise<SignInProofParameters> {
  const member = await deps.store.findMemberByEmail(email);
  const credential = member && (await deps.store.getMemberCredential(member.id));
  if (credential !== undefined) return { salt: credential.proofSalt, iterations: credential.proofIterations };
  const secret = await decoySecret(deps);
  const salt = createHmac('sha256', Buffer.from(secret, 'base64url'))
    .update(email.toLowerCase(), 'utf8')
    .digest()
    .subarray(0, PROOF_SALT_BYTES)
    .toString('base64url');
  return { salt, iterations: signupSettings(deps).passwordIterations };
}

export interface SignedIn {
  member: Member;
  /** Shown to the browser once, stored nowhere. */
  sessionToken: string;
  session: MemberSession;
}

/** Same answer and scrypt time for every failure, so nothing is learnt about the address. */
export async function verifySignIn(
  deps: AccountDeps,
  input: { email: string; proof: unknown },
): Promise<Member> {
  if (!isProofShaped(input.proof))
    throw new SignupError('invalid_input', 'proof must be the base64url of 32 bytes');
  const proof = input.proof;
  const member = await deps.store.findMemberByEmail(input.email);
  const credential = member && (await deps.store.getMemberCredential(member.id));
  if (credential === undefined) {
    await spendProofCheck(proof);
    throw new SignupError('sign_in_failed', FAILED);
  }
  if (!(await verifyProof(proof, credential.proofHash))) throw new SignupError('sign_in_failed', FAILED);
  // Said only to whoever proved the password: it tells a stranger nothing.
  if (member?.state === 'suspended') throw new SignupError('member_suspended', SUSPENDED);
  if (!maySignIn(member)) throw new SignupError('sign_in_failed', FAILED);
  return member;
}

export async function signIn(deps: AccountDeps, input: { email: string; proof: unknown }): Promise<SignedIn> {
  const member = await verifySignIn(deps, input);
  const { sessionToken, session } = newMemberSession(deps, member.id);
  await deps.store.deleteExpiredMemberSessions(session.createdAt);
  await deps.store.insertMemberSession(session);
  return { member, sessionToken, session };
}

/** A new member-page session, not yet stored (sign-in stores it; a password change in its transaction). */
export function newMemberSession(
  deps: AccountDeps,
  memberId: string,
): { sessionToken: string; session: MemberSession } {
  const now = nowIso(deps);
  const sessionToken = newSecretToken();
  return {
    sessionToken,
    session: {
      tokenHash: digestSecretToken(sessionToken),
      memberId,
      createdAt: now,
      expiresAt: new Date(Date.parse(now) + signupSettings(deps).memberSessionMs).toISOString(),
    },
  };
}

export async function memberOfSession(
  deps: AccountDeps,
  sessionToken: string,
): Promise<{ member: Member; session: MemberSession } | undefined> {
  if (!SECRET_TOKEN_SHAPE.test(sessionToken)) return undefined;
  const session = await deps.store.getMemberSession(digestSecretToken(sessionToken));
  if (session === undefined || session.expiresAt <= nowIso(deps)) return undefined;
  const member = await deps.store.getMember(session.memberId);
  return maySignIn(member) ? { member, session } : undefined;
}

export async function signOut(deps: AccountDeps, sessionToken: string): Promise<void> {
  if (!SECRET_TOKEN_SHAPE.test(sessionToken)) return;
  await deps.store.deleteMemberSession(digestSecretToken(sessionToken));
}
