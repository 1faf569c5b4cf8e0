/**
 * The slow hash of a member's sign-in proof (src/crypto/sign-in-proof.ts). The proof is
 * already stretched by PBKDF2 on the member's device, but it has only the password's
 * entropy, so a leaked table must still be expensive to test guesses against: scrypt
 * (RFC 7914) with N = 2^15, r = 8, p = 1 (32 MiB, OWASP's minimum), a fresh salt per hash,
 * and the parameters stored with the hash so they can be raised later.
 *
 * Format: `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url salt and hash).
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const PARAMETERS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function scryptAsync(
  secret: Buffer,
  salt: Buffer,
  options: { N: number; r: number; p: number },
): Promise<Buffer> {
  const scryptOptions: ScryptOptions = { ...options, maxmem: 256 * options.N * options.r };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, scryptOptions, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `proof` is base64url; the caller has checked its shape. */
export async function hashProof(proof: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(Buffer.from(proof, 'base64url'), salt, PARAMETERS);
  const { N, r, p } = PARAMETERS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison; false for a wrong proof or a hash in an unknown format. */
export async function verifyProof(proof: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scryptAsync(Buffer.from(proof, 'base64url'), Buffer.from(parts[4]!, 'base64url'), {
    N,
    r,
    p,
  });
  return expected.length === key.length && timingSafeEqual(expected, key);
}

/**
 * Spends the same time as a verification, for sign-ins with an unknown address, so that the
 * answer's timing does not tell which addresses have accounts.
 */
export async function spendProofCheck(proof: string): Promise<void> {
  await scryptAsync(Buffer.from(proof, 'base64url'), randomBytes(SALT_BYTES), PARAMETERS);
}
