/**
 * (P10) The server never sees the password, only sealed keys and a proof. Resubmitting the
 * same keys (a retry after a lost answer) succeeds without writing.
 */

import { base64UrlToBytes, EncodingError, isBase64UrlOfLength } from '../crypto/encoding.ts';
import { MAX_PASSWORD_ITERATIONS, MIN_PASSWORD_ITERATIONS } from '../crypto/member-keys.ts';
import { isProofShaped, isValidProofParameters } from '../crypto/sign-in-proof.ts';
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso, signupSettings } from './deps.ts';
import {
  hashInvitationToken,
  invitationStatus,
  isInvitationTokenShaped,
  revokeInvitations,
} from './invitations.ts';
import type { Account, Invitation, Member } from './model.ts';
import { hashProof } from './proof-hash.ts';
import { SignupError } from './signup-errors.ts';
import type { StoreOps } from './store.ts';

export interface SignupSubmission {
  publicKey: string;
  encryptedPrivateKey: string;
  proof: string;
  proofSalt: string;
  proofIterations: number;
  /** Owner setup only; ignored for anyone else. */
  displayName?: string;
}

export interface InvitationView {
  accountName: string;
  email: string;
  displayName: string | null;
  expiresAt: string;
  passwordIterations: number;
  ownerSetup: boolean;
}

const MESSAGES = {
  invitation_unknown:
    'This sign-up link is not valid. Check that you opened the whole link from your invitation e-mail, or ask your administrator for a new invitation.',
  invitation_expired: 'This sign-up link has expired. Ask your administrator to send you a new invitation.',
  invitation_used:
    'This sign-up link has already been used. Sign in instead, or ask your administrator for help.',
  invitation_revoked:
    'This sign-up link no longer works: a newer invitation replaced it. Use the link in your most recent invitation e-mail.',
  member_unavailable: 'This account cannot be signed up. Ask your administrator for help.',
  member_suspended:
    'This account is suspended, so its invitation no longer works. If you should have access, ask your administrator to reactivate it.',
} as const;

/** Rather than "replaced by a newer invitation", which would send them looking for a mail that never comes. */
function suspendedError(member: Member | undefined): SignupError | undefined {
  if (member === undefined || member.state !== 'suspended') return undefined;
  return new SignupError('member_suspended', MESSAGES.member_suspended);
}

function statusError(invitation: Invitation, now: string): SignupError | undefined {
  const status = invitationStatus(invitation, now);
  if (status === 'open') return undefined;
  const code =
    status === 'used'
      ? 'invitation_used'
      : status === 'revoked'
        ? 'invitation_revoked'
        : 'invitation_expired';
  return new SignupError(code, MESSAGES[code]);
}

async function findInvitation(deps: AccountDeps, token: string): Promise<Invitation> {
  const invitation = isInvitationTokenShaped(token)
    ? await deps.store.findInvitationByTokenHash(hashInvitationToken(token))
    : undefined;
  if (invitation === undefined) throw new SignupError('invitation_unknown', MESSAGES.invitation_unknown);
  return invitation;
}

function usable(member: Member | undefined): member is Member {
  return member !== undefined && !member.scimDeleted && member.state === 'invited';
}

export async function viewInvitation(deps: AccountDeps, token: string): Promise<InvitationView> {
  const invitation = await findInvitation(deps, token);
  const [member, account] = await Promise.all([
    deps.store.getMember(invitation.memberId),
    deps.store.getAccount(),
  ]);
  const problem = suspendedError(member) ?? statusError(invitation, nowIso(deps));
  if (problem) throw problem;
  if (!usable(member) || account === undefined) {
    throw new SignupError('member_unavailable', MESSAGES.member_unavailable);
  }
  return {
    accountName: account.name,
    email: member.email,
    displayName: member.displayName,
    expiresAt: invitation.expiresAt,
    passwordIterations: signupSettings(deps).passwordIterations,
    ownerSetup: member.role === 'owner',
  };
}

const SEALED_KEY_SALT_BYTES = 16;
const NONCE_BYTES = 12;
/** AES-GCM of an X25519 PKCS #8 key (48 bytes, or up to 83 with the public key) plus the 16-byte tag. */
const SEALED_MIN_BYTES = 48 + 16;
const SEALED_MAX_BYTES = 128;

/** Shape only: the server cannot open it. */
export function sealedKeyProblem(value: string): string | undefined {
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== 'sbk1') return 'is not a sealed key in the sbk1 format';
  const iterations = Number(parts[1]);
  if (
    String(iterations) !== parts[1] ||
    !Number.isInteger(iterations) ||
    iterations < MIN_PASSWORD_ITERATIONS ||
    iterations > MAX_PASSWORD_ITERATIONS
  ) {
    return `names an iteration count outside ${MIN_PASSWORD_ITERATIONS}–${MAX_PASSWORD_ITERATIONS}`;
  }
  try {
    if (base64UrlToBytes(parts[2]!).length !== SEALED_KEY_SALT_BYTES) return 'has a salt of the wrong length';
    if (base64UrlToBytes(parts[3]!).length !== NONCE_BYTES) return 'has a nonce of the wrong length';
    const sealed = base64UrlToBytes(parts[4]!).length;
    if (sealed < SEALED_MIN_BYTES || sealed > SEALED_MAX_BYTES) return 'has a ciphertext of the wrong length';
  } catch (error) {
    if (error instanceof EncodingError) return 'has a field that is not base64url';
    throw error;
  }
  return undefined;
}

function invalid(message: string): SignupError {
  return new SignupError('invalid_input', message);
}

/** No value is echoed back. */
export function parseSignupSubmission(body: unknown): SignupSubmission {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object');
  }
  const { publicKey, encryptedPrivateKey, proof, proofSalt, proofIterations, displayName } = body as Record<
    string,
    unknown
  >;
  if (typeof publicKey !== 'string' || !isBase64UrlOfLength(publicKey, 32)) {
    throw invalid('publicKey must be the base64url of a 32-byte X25519 public key');
  }
  try {
    base64UrlToBytes(publicKey);
  } catch {
    throw invalid('publicKey must be the base64url of a 32-byte X25519 public key');
  }
  if (typeof encryptedPrivateKey !== 'string' || encryptedPrivateKey.length > 400) {
    throw invalid('encryptedPrivateKey must be a sealed key in the sbk1 format');
  }
  const problem = sealedKeyProblem(encryptedPrivateKey);
  if (problem) throw invalid(`encryptedPrivateKey ${problem}`);
  if (!isProofShaped(proof)) throw invalid('proof must be the base64url of 32 bytes');
  if (!isValidProofParameters({ salt: proofSalt, iterations: proofIterations })) {
    throw invalid(
      `proofSalt must be the base64url of 16 bytes and proofIterations a whole number from ${MIN_PASSWORD_ITERATIONS} to ${MAX_PASSWORD_ITERATIONS}`,
    );
  }
  const name = parseDisplayName(displayName);
  return {
    publicKey,
    encryptedPrivateKey,
    proof,
    proofSalt: proofSalt as string,
    proofIterations: proofIterations as number,
    ...(name === undefined ? {} : { displayName: name }),
  };
}

export const MAX_DISPLAY_NAME_LENGTH = 200;

function parseDisplayName(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (typeof value !== 'string' || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid('displayName must be text without control characters');
  }
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > MAX_DISPLAY_NAME_LENGTH) {
    throw invalid(`displayName must be 1 to ${MAX_DISPLAY_NAME_LENGTH} characters`);
  }
  return trimmed;
}

async function sameSubmissionAccepted(
  tx: StoreOps,
  memberId: string,
  submission: SignupSubmission,
): Promise<Member | undefined> {
  const [member, keys] = await Promise.all([tx.getMember(memberId), tx.getMemberKeys(memberId)]);
  const same =
    keys?.publicKey === submission.publicKey && keys.encryptedPrivateKey === submission.encryptedPrivateKey;
  return same ? member : undefined;
}

export interface SignupOutcome {
  member: Member;
  account: Pick<Account, 'name'>;
  repeated: boolean;
}

export async function completeSignup(
  deps: AccountDeps,
  token: string,
  submission: SignupSubmission,
): Promise<SignupOutcome> {
  // Cheap checks first: a forged or dead link costs no scrypt.
  const found = await findInvitation(deps, token);
  const suspended = suspendedError(await deps.store.getMember(found.memberId));
  if (suspended) throw suspended;
  const early = statusError(found, nowIso(deps));
  if (early && early.code !== 'invitation_used') throw early;
  const proofHash = early ? '' : await hashProof(submission.proof);

  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    const invitation = (await tx.findInvitationByTokenHash(found.tokenHash)) ?? found;
    const account = await tx.getAccount();
    const problem = statusError(invitation, now);
    if (problem?.code === 'invitation_used') {
      const repeated = await sameSubmissionAccepted(tx, invitation.memberId, submission);
      if (repeated !== undefined && account !== undefined)
        return { member: repeated, account, repeated: true };
      throw problem;
    }
    if (problem) throw problem;
    // Claim first: the conditional update orders concurrent submits, so the loser sees "used".
    if (!(await tx.markInvitationUsed(invitation.id, now))) {
      // The same keys sent twice at once are still one sign-up.
      const repeated = await sameSubmissionAccepted(tx, invitation.memberId, submission);
      if (repeated !== undefined && account !== undefined)
        return { member: repeated, account, repeated: true };
      throw new SignupError('invitation_used', MESSAGES.invitation_used);
    }
    const member = await tx.getMember(invitation.memberId);
    const suspendedNow = suspendedError(member);
    if (suspendedNow) throw suspendedNow;
    if (!usable(member) || account === undefined) {
      throw new SignupError('member_unavailable', MESSAGES.member_unavailable);
    }
    const next: Member = {
      ...member,
      ...(member.role === 'owner' && submission.displayName !== undefined
        ? { displayName: submission.displayName }
        : {}),
      state: 'pending',
      signedUpAt: now,
      updatedAt: now,
      version: member.version + 1,
    };
    if (!(await tx.updateMember(next, member.version))) {
      throw new SignupError('conflict', 'your account was being changed at the same moment; submit again');
    }
    await tx.saveMemberKeys({
      memberId: member.id,
      publicKey: submission.publicKey,
      encryptedPrivateKey: submission.encryptedPrivateKey,
      createdAt: now,
    });
    await tx.saveMemberCredential({
      memberId: member.id,
      proofSalt: submission.proofSalt,
      proofIterations: submission.proofIterations,
      proofHash,
      createdAt: now,
    });
    await revokeInvitations(tx, member.id, now, 'the member signed up');
    await recordActivity(
      deps,
      tx,
      now,
      'member.signed_up',
      { targetType: 'member', targetId: member.id },
      { state: 'pending' },
      'member',
    );
    return { member: next, account, repeated: false };
  });
}
