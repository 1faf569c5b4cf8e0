/**
 * Member sign-in on the account server, without the password ever reaching it: the page
 * asks for the member's proof parameters, derives the proof in the browser
 * (src/crypto/sign-in-proof.ts) and sends that; the server compares it with the stored
 * scrypt hash and opens a session.
 *
 * Asking for the parameters must not tell whether an address has an account: unknown
 * addresses get decoy parameters that are stable for that address (an HMAC of it under a
 * secret kept in the database), with the deployment's iteration count, like a real member's.
 * A failed sign-in says the same for a wrong password and an unknown address, and spends
 * the same scrypt time.
 *
 * Sessions: the cookie holds 32 random bytes; the database holds their SHA-256 digest, so a
 * copy of the database cannot sign in. Sessions expire; suspension ends them at once
 * because every request re-reads the member.
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

/** Members who may sign in: they have signed up and are not suspended. */
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
  /** The cookie value: shown to the browser once, stored nowhere. */
  sessionToken: string;
  session: MemberSession;
}

/**
 * The member whose proof this is, or `sign_in_failed` (the same answer and the same scrypt
 * time for an unknown address, a wrong password and a member who may not sign in). Shared
 * by the member sign-in below and the console's (console/admin-sign-in.ts).
 */
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
  const now = nowIso(deps);
  const sessionToken = newSecretToken();
  const session: MemberSession = {
    tokenHash: digestSecretToken(sessionToken),
    memberId: member.id,
    createdAt: now,
    expiresAt: new Date(Date.parse(now) + signupSettings(deps).memberSessionMs).toISOString(),
  };
  await deps.store.deleteExpiredMemberSessions(now);
  await deps.store.insertMemberSession(session);
  return { member, sessionToken, session };
}

/** The member behind a session cookie, or undefined (unknown, expired, or no longer allowed). */
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
