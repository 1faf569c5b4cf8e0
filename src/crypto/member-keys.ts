/**
 * A member's own key pair (DESIGN.md, "the key chain"): an X25519 pair made where the member
 * types their password — the sign-up page in the browser, or the CLI — whose private half
 * leaves that place only encrypted under a key derived from the password. The account
 * server stores the result and can never open it.
 *
 * The sealed private key is one printable string:
 *   `sbk1.<iterations>.<salt>.<nonce>.<ciphertext>`   (base64url fields)
 * PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) turns the password into an AES-256-GCM key; the
 * member's public key is the associated data, so a sealed key moved onto another member's
 * row does not open. PBKDF2 rather than a memory-hard function because it is the one
 * password KDF that WebCrypto offers in every browser, and this module must run there too.
 */
import { AeadError, aesGcmDecrypt, aesGcmEncrypt } from './aead.ts';
import { type Bytes, base64UrlFields, base64UrlToBytes, bytesToBase64Url, utf8ToBytes } from './encoding.ts';
import { exportPrivateKey, exportPublicKey, generateKeyPair, importPrivateKey } from './keys.ts';
import { randomBytes } from './random.ts';

const subtle = globalThis.crypto.subtle;

const FORMAT = 'sbk1';
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PASSWORD_ITERATIONS = 600_000;
/**
 * What a sealed key may ask for. The floor keeps a tampered row from making the member's
 * own device derive a weak key; the ceiling keeps one from making it spin for minutes.
 * Tests and benchmarks use the floor to stay fast.
 */
export const MIN_PASSWORD_ITERATIONS = 1_000;
export const MAX_PASSWORD_ITERATIONS = 10_000_000;
const SALT_BYTES = 16;
const AAD_PREFIX = 'scimbridge member private key v1|';

export interface MemberKeyMaterial {
  /** base64url of the raw 32-byte X25519 public key. */
  publicKey: string;
  /** The private key sealed under the password, in the format above. */
  encryptedPrivateKey: string;
}

/** The password is wrong, or the sealed key was altered: the two cannot be told apart. */
export class MemberKeyUnlockError extends Error {
  constructor() {
    super('the password does not open this key');
    this.name = 'MemberKeyUnlockError';
  }
}

/** The stored value is not a sealed key of this format at all. */
export class MemberKeyFormatError extends Error {
  constructor(reason: string) {
    super(`not a sealed member key: ${reason}`);
    this.name = 'MemberKeyFormatError';
  }
}

async function passwordKey(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await subtle.importKey('raw', utf8ToBytes(password.normalize('NFC')), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function checkIterations(iterations: number): void {
  if (
    !Number.isInteger(iterations) ||
    iterations < MIN_PASSWORD_ITERATIONS ||
    iterations > MAX_PASSWORD_ITERATIONS
  ) {
    throw new MemberKeyFormatError(
      `iterations must be a whole number from ${MIN_PASSWORD_ITERATIONS} to ${MAX_PASSWORD_ITERATIONS}`,
    );
  }
}

/**
 * Makes a member's key pair and seals the private half under `password`. Returns the
 * material to upload and the private key itself (non-extractable), for callers that go on
 * to use it at once.
 */
export async function createMemberKeys(
  password: string,
  options: { iterations?: number } = {},
): Promise<{ material: MemberKeyMaterial; privateKey: CryptoKey }> {
  const iterations = options.iterations ?? DEFAULT_PASSWORD_ITERATIONS;
  checkIterations(iterations);
  const pair = await generateKeyPair('X25519');
  const publicKey = await exportPublicKey(pair.publicKey);
  const pkcs8 = base64UrlToBytes(await exportPrivateKey(pair.privateKey));
  try {
    const encryptedPrivateKey = await sealPkcs8(pkcs8, publicKey, password, iterations);
    // Re-imported so that what we hand back can be used but never read out again.
    const privateKey = await importPrivateKey('X25519', bytesToBase64Url(pkcs8));
    return { material: { publicKey, encryptedPrivateKey }, privateKey };
  } finally {
    pkcs8.fill(0);
  }
}

/** A fresh salt and nonce every time: a re-sealed key shares nothing with its earlier seal. */
async function sealPkcs8(
  pkcs8: Bytes,
  publicKey: string,
  password: string,
  iterations: number,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await passwordKey(password, salt, iterations);
  const sealed = await aesGcmEncrypt(key, pkcs8, utf8ToBytes(AAD_PREFIX + publicKey));
  return [
    FORMAT,
    String(iterations),
    bytesToBase64Url(salt),
    bytesToBase64Url(sealed.nonce),
    bytesToBase64Url(sealed.ciphertext),
  ].join('.');
}

/**
 * Seals the same private key under a new password (a password change): the key pair stays,
 * so every group key sealed for the member still opens. Throws `MemberKeyUnlockError` when
 * `currentPassword` does not open it, before anything is sealed.
 */
export async function resealMemberPrivateKey(
  material: MemberKeyMaterial,
  currentPassword: string,
  newPassword: string,
  options: { iterations?: number } = {},
): Promise<MemberKeyMaterial> {
  const iterations = options.iterations ?? DEFAULT_PASSWORD_ITERATIONS;
  checkIterations(iterations);
  const pkcs8 = await openPkcs8(material.encryptedPrivateKey, material.publicKey, currentPassword);
  try {
    const encryptedPrivateKey = await sealPkcs8(pkcs8, material.publicKey, newPassword, iterations);
    return { publicKey: material.publicKey, encryptedPrivateKey };
  } finally {
    pkcs8.fill(0);
  }
}

async function openPkcs8(
  encryptedPrivateKey: string,
  publicKey: string,
  password: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts = encryptedPrivateKey.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new MemberKeyFormatError('unknown format');
  const iterations = Number(parts[1]);
  checkIterations(iterations);
  const [salt, nonce, ciphertext] = base64UrlFields(
    [parts[2]!, parts[3]!, parts[4]!],
    () => new MemberKeyFormatError('a field is not base64url'),
  );
  if (salt.length !== SALT_BYTES) throw new MemberKeyFormatError('wrong salt length');
  const key = await passwordKey(password, salt, iterations);
  try {
    return await aesGcmDecrypt(key, { nonce, ciphertext }, utf8ToBytes(AAD_PREFIX + publicKey));
  } catch (error) {
    if (error instanceof AeadError) throw new MemberKeyUnlockError();
    throw error;
  }
}

/**
 * Opens a member's sealed private key with their password. Throws `MemberKeyUnlockError`
 * for a wrong password (or tampering) and `MemberKeyFormatError` for a malformed value.
 */
export async function unlockMemberPrivateKey(
  material: MemberKeyMaterial,
  password: string,
): Promise<CryptoKey> {
  const pkcs8 = await openPkcs8(material.encryptedPrivateKey, material.publicKey, password);
  try {
    return await importPrivateKey('X25519', bytesToBase64Url(pkcs8));
  } catch {
    throw new MemberKeyUnlockError();
  } finally {
    pkcs8.fill(0);
  }
}
