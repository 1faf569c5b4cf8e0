/**
 * A signed-in person changes their password (issue 11). The server never sees either
 * password (P10): the browser proves the current one with the sign-in proof, re-seals the
 * same private key under the new one and derives the new proof (crypto/password-change.ts).
 *
 * The server checks the current proof, then in one transaction swaps the proof hash and the
 * sealed key and ends every session of the person — the one the change came from too, whose
 * browser gets the new session the caller made — so a session opened with the old password,
 * or a cookie copied from this browser, opens nothing any more. The activity entry names who
 * and how many sessions ended; no proof, hash or key.
 */
import { isBase64UrlOfLength } from '../crypto/encoding.ts';
import type { PasswordChangeSubmission } from '../crypto/password-change.ts';
import { isProofShaped, isValidProofParameters } from '../crypto/sign-in-proof.ts';
import { recordActivity } from './activity.ts';
import { sealedKeyProblem } from './complete-signup.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { maySignIn } from './member-sign-in.ts';
import type { ActivityActor, MemberSession } from './model.ts';
import { hashProof, verifyProof } from './proof-hash.ts';
import { SignupError } from './signup-errors.ts';

/** What the browser sends (made by crypto/password-change.ts), read by `parsePasswordChange`. */
export type PasswordChange = PasswordChangeSubmission;

export const WRONG_CURRENT_PASSWORD = 'That is not your current password. Nothing was changed.';

function invalid(message: string): SignupError {
  return new SignupError('invalid_input', message);
}

/** Shapes only (the server can open none of it); names the field, never its value. */
export function parsePasswordChange(body: unknown): PasswordChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('the request body must be a JSON object');
  const { publicKey, currentProof, encryptedPrivateKey, proof, proofSalt, proofIterations } = body as Record<
    string,
    unknown
  >;
  if (typeof publicKey !== 'string' || !isBase64UrlOfLength(publicKey, 32))
    throw invalid('publicKey must be the base64url of a 32-byte X25519 public key');
  if (!isProofShaped(currentProof)) throw invalid('currentProof must be the base64url of 32 bytes');
  if (typeof encryptedPrivateKey !== 'string' || encryptedPrivateKey.length > 400)
    throw invalid('encryptedPrivateKey must be a sealed key in the sbk1 format');
  const problem = sealedKeyProblem(encryptedPrivateKey);
  if (problem) throw invalid(`encryptedPrivateKey ${problem}`);
  if (!isProofShaped(proof)) throw invalid('proof must be the base64url of 32 bytes');
  if (!isValidProofParameters({ salt: proofSalt, iterations: proofIterations }))
    throw invalid('proofSalt and proofIterations must be sign-in proof parameters');
  return {
    publicKey,
    currentProof,
    encryptedPrivateKey,
    proof,
    proofSalt: proofSalt as string,
    proofIterations: proofIterations as number,
  };
}

export interface PasswordChanged {
  /** Sessions ended besides the one the change came from. */
  otherSessionsEnded: number;
}

/**
 * Throws `sign_in_failed` (WRONG_CURRENT_PASSWORD) when the current proof is wrong — the
 * caller counts it as a failed sign-in — and changes nothing on any refusal.
 */
export async function changePassword(
  deps: AccountDeps,
  input: {
    memberId: string;
    change: PasswordChange;
    /** The session the person continues in, made by the caller (member or console digest). */
    replacement: MemberSession;
    actor: ActivityActor;
  },
): Promise<PasswordChanged> {
  const { memberId, change } = input;
  const credential = await deps.store.getMemberCredential(memberId);
  if (credential === undefined)
    throw new SignupError(
      'member_unavailable',
      'You have no password to change yet: finish signing up first.',
    );
  if (!(await verifyProof(change.currentProof, credential.proofHash)))
    throw new SignupError('sign_in_failed', WRONG_CURRENT_PASSWORD);
  // Hashed before the transaction: scrypt takes a while and holds no lock.
  const proofHash = await hashProof(change.proof);
  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    const [member, keys, stored] = await Promise.all([
      tx.getMember(memberId),
      tx.getMemberKeys(memberId),
      tx.getMemberCredential(memberId),
    ]);
    if (!maySignIn(member) || keys === undefined)
      throw new SignupError('member_unavailable', 'This account cannot change its password. Sign in again.');
    // The proof was checked against this hash; another change since then wins.
    if (stored?.proofHash !== credential.proofHash)
      throw new SignupError(
        'conflict',
        'Your password was changed at the same moment somewhere else, so nothing was changed here. Sign in again.',
      );
    if (keys.publicKey !== change.publicKey)
      throw new SignupError(
        'conflict',
        'Your keys changed since this page was opened, so nothing was changed. Reload the page and try again.',
      );
    await tx.saveMemberKeys({ ...keys, encryptedPrivateKey: change.encryptedPrivateKey });
    await tx.saveMemberCredential({
      memberId,
      proofSalt: change.proofSalt,
      proofIterations: change.proofIterations,
      proofHash,
      createdAt: now,
    });
    const ended = await tx.deleteSessionsOfMember(memberId);
    await tx.insertMemberSession(input.replacement);
    // The session the change came from was among them (it was checked a moment ago).
    const otherSessionsEnded = Math.max(0, ended - 1);
    await recordActivity(
      deps,
      tx,
      now,
      'member.password_changed',
      { targetType: 'member', targetId: memberId },
      { by: member.email, otherSessionsEnded },
      input.actor,
    );
    return { otherSessionsEnded };
  });
}
