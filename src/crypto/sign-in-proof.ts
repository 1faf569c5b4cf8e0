/**
 * The sign-in proof: what a member's browser (or the CLI) sends instead of the password.
 *
 * The account server must never receive the password: the password also opens the member's
 * sealed private key (member-keys.ts), so a server that saw it could read everything the
 * member can. The proof is PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) of the password with its own
 * salt — random per member, prefixed with a label that no other use of the password shares —
 * so it is unrelated to the key that seals the private key. The server stores only a slow
 * hash of the proof (src/account/proof-hash.ts).
 *
 * The password rules live here too, so the sign-up page and the CLI apply the same ones.
 *
 * Browser-safe: WebCrypto and the encoding helpers only, no Node APIs.
 */
import {
  base64UrlToBytes,
  bytesToBase64Url,
  concatBytes,
  isBase64UrlOfLength,
  utf8ToBytes,
} from './encoding.ts';
import { MAX_PASSWORD_ITERATIONS, MIN_PASSWORD_ITERATIONS } from './member-keys.ts';
import { randomBytes } from './random.ts';

export const PROOF_SALT_BYTES = 16;
export const PROOF_BYTES = 32;
const LABEL = 'scimbridge sign-in proof v1|';

/** NIST SP 800-63B §5.1.1.2 asks for at least 8; a password that also guards keys deserves more. */
export const MIN_PASSWORD_LENGTH = 12;
/** Long enough for any passphrase; short enough that PBKDF2 input stays small. */
export const MAX_PASSWORD_LENGTH = 1024;

/** What the server hands out before sign-in and stores with the proof hash. */
export interface SignInProofParameters {
  /** base64url, PROOF_SALT_BYTES bytes. */
  salt: string;
  iterations: number;
}

/** Fresh parameters for a new member: a random salt and the deployment's iteration count. */
export function newProofParameters(iterations: number): SignInProofParameters {
  return { salt: bytesToBase64Url(randomBytes(PROOF_SALT_BYTES)), iterations };
}

export function isValidProofParameters(value: unknown): value is SignInProofParameters {
  if (typeof value !== 'object' || value === null) return false;
  const { salt, iterations } = value as Record<string, unknown>;
  return (
    typeof salt === 'string' &&
    isBase64UrlOfLength(salt, PROOF_SALT_BYTES) &&
    typeof iterations === 'number' &&
    Number.isInteger(iterations) &&
    iterations >= MIN_PASSWORD_ITERATIONS &&
    iterations <= MAX_PASSWORD_ITERATIONS
  );
}

/** True when `value` looks like a proof: base64url of PROOF_BYTES bytes. */
export function isProofShaped(value: unknown): value is string {
  return typeof value === 'string' && isBase64UrlOfLength(value, PROOF_BYTES);
}

/** Derives the proof (base64url of 32 bytes) from the password and the member's parameters. */
export async function deriveSignInProof(
  password: string,
  parameters: SignInProofParameters,
): Promise<string> {
  if (!isValidProofParameters(parameters)) throw new Error('sign-in proof parameters are malformed');
  const fullSalt = concatBytes(utf8ToBytes(LABEL), base64UrlToBytes(parameters.salt));
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', utf8ToBytes(password.normalize('NFC')), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: fullSalt, iterations: parameters.iterations },
    base,
    PROOF_BYTES * 8,
  );
  return bytesToBase64Url(new Uint8Array(bits));
}

/**
 * The first problem with a chosen password, in words for the person choosing it, or
 * undefined when it is acceptable. Length counts characters as people see them (code points).
 */
export function passwordProblem(password: string, confirmation?: string): string | undefined {
  const length = [...password.normalize('NFC')].length;
  if (length === 0) return 'Choose a password.';
  if (length < MIN_PASSWORD_LENGTH) {
    return `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (it has ${length}).`;
  }
  if (length > MAX_PASSWORD_LENGTH)
    return `The password is too long: use at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (password.trim() === '') return 'The password cannot be only spaces.';
  if (confirmation !== undefined && confirmation !== password) {
    return 'The two passwords are not the same. Type the password again in both fields.';
  }
  return undefined;
}
