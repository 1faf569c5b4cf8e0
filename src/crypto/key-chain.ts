/**
 * The key chain (DESIGN.md, "the key chain"): group key pairs, vault keys, and the one
 * operation that links them — sealing bytes to an X25519 public key.
 *
 *   group private key  ──sealed to──▶ each confirmed member's public key, and the provisioning key
 *   vault key          ──sealed to──▶ each group that may open the vault
 *
 * A sealed value is one printable string:
 *   `sbs1.<ephemeral public key>.<nonce>.<ciphertext>`   (base64url fields)
 *
 * Sealing (an ECIES construction on WebCrypto):
 *   shared = X25519(ephemeral private, recipient public)                     (RFC 7748 §6.1)
 *   key    = HKDF-SHA256(ikm = shared, salt = ephemeral public ‖ recipient public,
 *                        info = "scimbridge seal v1")                         (RFC 5869)
 *   body   = AES-256-GCM(key, random 96-bit nonce, plaintext, aad)          (NIST SP 800-38D)
 *   aad    = JSON ["sbs1", purpose, object id, recipient id, recipient public key]
 *
 * The aad binds what, whose and for whom: a sealed value moved to another row fails the tag check.
 * Browser-safe (WebCrypto only), so browsers, the CLI and the bridge run the same code.
 */
import { AeadError, aesGcmDecrypt, aesGcmEncrypt, importAesGcmKey } from './aead.ts';
import {
  type Bytes,
  base64UrlFields,
  base64UrlToBytes,
  bytesToBase64Url,
  concatBytes,
  utf8ToBytes,
} from './encoding.ts';
import { hkdfAesGcmKey } from './hkdf.ts';
import {
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  x25519SharedSecret,
} from './keys.ts';
import { randomBytes } from './random.ts';

export const SEAL_FORMAT = 'sbs1';
export const SEAL_KDF_INFO = 'scimbridge seal v1';
const X25519_PUBLIC_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** PKCS #8 of an X25519 private key (RFC 8410 §7): 16 bytes of header, 32 of key. */
export const GROUP_PRIVATE_KEY_BYTES = 48;
export const VAULT_KEY_BYTES = 32;
/** Nothing this module seals comes near it; longer input is refused before any work. */
const MAX_SEALED_LENGTH = 1024;

/** What sealed bytes are; part of the associated data. */
export type SealPurpose = 'group-private-key' | 'vault-key';

/** The recipient id of a group key sealed for the integration's provisioning key. */
export const PROVISIONING_RECIPIENT = 'provisioning';

export interface SealContext {
  purpose: SealPurpose;
  /** The group (for a group's private key) or the vault (for a vault key). */
  objectId: string;
  /** A member id, a group id, or `PROVISIONING_RECIPIENT`. */
  recipientId: string;
}

/** The value is not a sealed key of this format (or a key argument is not a key). */
export class SealFormatError extends Error {
  constructor(reason: string) {
    super(`not a sealed key: ${reason}`);
    this.name = 'SealFormatError';
  }
}

/** Wrong private key, or a value altered or moved: the tag check cannot tell which, nor should callers. */
export class SealOpenError extends Error {
  constructor() {
    super('this key does not open the sealed value');
    this.name = 'SealOpenError';
  }
}

/** The associated data of a sealed value; exported for the bridge's native sealer, which must agree byte for byte. */
export function contextAad(context: SealContext, recipientPublicKey: string): Bytes {
  return utf8ToBytes(
    JSON.stringify([SEAL_FORMAT, context.purpose, context.objectId, context.recipientId, recipientPublicKey]),
  );
}

function publicKeyBytes(publicKey: string, what: string): Bytes {
  const [bytes] = base64UrlFields([publicKey], () => new SealFormatError(`${what} is not base64url`));
  if (bytes.length !== X25519_PUBLIC_BYTES) throw new SealFormatError(`${what} is not an X25519 public key`);
  return bytes;
}

async function sealKey(ikm: Bytes, ephemeralPublic: Bytes, recipientPublic: Bytes): Promise<CryptoKey> {
  return hkdfAesGcmKey(ikm, concatBytes(ephemeralPublic, recipientPublic), SEAL_KDF_INFO);
}

/** Seals `plaintext` so that only the holder of the private half of `recipientPublicKey` opens it. */
export async function sealToPublicKey(
  plaintext: Bytes,
  recipientPublicKey: string,
  context: SealContext,
): Promise<string> {
  const recipientBytes = publicKeyBytes(recipientPublicKey, 'the recipient key');
  const recipient = await importPublicKey('X25519', recipientPublicKey);
  const ephemeral = await generateKeyPair('X25519');
  const ephemeralPublic = base64UrlToBytes(await exportPublicKey(ephemeral.publicKey));
  let shared: Bytes;
  try {
    shared = await x25519SharedSecret(ephemeral.privateKey, recipient);
  } catch {
    // A small-order point gives no secret (RFC 7748 §6.1); it is no one's real public key.
    throw new SealFormatError('the recipient key is not a usable X25519 public key');
  }
  const key = await sealKey(shared, ephemeralPublic, recipientBytes);
  shared.fill(0);
  const sealed = await aesGcmEncrypt(key, plaintext, contextAad(context, recipientPublicKey));
  return [
    SEAL_FORMAT,
    bytesToBase64Url(ephemeralPublic),
    bytesToBase64Url(sealed.nonce),
    bytesToBase64Url(sealed.ciphertext),
  ].join('.');
}

/** `recipientPublicKey` is needed as WebCrypto cannot derive it from a non-extractable key; a wrong one fails. */
export async function openSealed(
  sealed: string,
  recipientPrivateKey: CryptoKey,
  recipientPublicKey: string,
  context: SealContext,
): Promise<Bytes> {
  if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH) {
    throw new SealFormatError('too long');
  }
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== SEAL_FORMAT) throw new SealFormatError('unknown format');
  const [ephemeralPublic, nonce, ciphertext] = base64UrlFields(
    [parts[1]!, parts[2]!, parts[3]!],
    () => new SealFormatError('a field is not base64url'),
  );
  if (ephemeralPublic.length !== X25519_PUBLIC_BYTES) throw new SealFormatError('wrong ephemeral key length');
  if (nonce.length !== NONCE_BYTES) throw new SealFormatError('wrong nonce length');
  if (ciphertext.length < TAG_BYTES) throw new SealFormatError('ciphertext too short');
  const recipientBytes = publicKeyBytes(recipientPublicKey, 'the recipient key');

  let shared: Bytes;
  try {
    const ephemeral = await importPublicKey('X25519', parts[1]!);
    shared = await x25519SharedSecret(recipientPrivateKey, ephemeral);
  } catch {
    throw new SealOpenError();
  }
  const key = await sealKey(shared, ephemeralPublic, recipientBytes);
  shared.fill(0);
  try {
    return await aesGcmDecrypt(key, { nonce, ciphertext }, contextAad(context, recipientPublicKey));
  } catch (error) {
    if (error instanceof AeadError) throw new SealOpenError();
    throw error;
  }
}

/** A group's key pair: the public half in the clear, the private half as PKCS #8 bytes to seal. */
export interface GroupKeyPair {
  /** base64url, raw 32 bytes. */
  publicKey: string;
  /** PKCS #8; only ever handed to `sealGroupPrivateKey`, then wiped. */
  privateKey: Bytes;
}

export async function createGroupKeyPair(): Promise<GroupKeyPair> {
  const pair = await generateKeyPair('X25519');
  const [publicKey, privateKey] = await Promise.all([
    exportPublicKey(pair.publicKey),
    exportPrivateKey(pair.privateKey),
  ]);
  return { publicKey, privateKey: base64UrlToBytes(privateKey) };
}

/** Who a group's private key is sealed for. */
export interface GroupKeyRecipient {
  /** A member id, or `PROVISIONING_RECIPIENT`. */
  id: string;
  publicKey: string;
}

export function sealGroupPrivateKey(
  groupId: string,
  privateKey: Bytes,
  recipient: GroupKeyRecipient,
): Promise<string> {
  if (privateKey.length !== GROUP_PRIVATE_KEY_BYTES) {
    return Promise.reject(new SealFormatError('not an X25519 private key'));
  }
  return sealToPublicKey(privateKey, recipient.publicKey, {
    purpose: 'group-private-key',
    objectId: groupId,
    recipientId: recipient.id,
  });
}

/** The PKCS #8 bytes of a group's private key, which the bridge re-seals for a member. */
export async function openGroupPrivateKey(
  groupId: string,
  sealed: string,
  recipientPrivateKey: CryptoKey,
  recipient: GroupKeyRecipient,
): Promise<Bytes> {
  const bytes = await openSealed(sealed, recipientPrivateKey, recipient.publicKey, {
    purpose: 'group-private-key',
    objectId: groupId,
    recipientId: recipient.id,
  });
  if (bytes.length !== GROUP_PRIVATE_KEY_BYTES) throw new SealFormatError('not an X25519 private key');
  return bytes;
}

/** Non-extractable: once imported it can open vault keys, never be read back. */
export async function importGroupPrivateKey(privateKey: Bytes): Promise<CryptoKey> {
  try {
    return await importPrivateKey('X25519', bytesToBase64Url(privateKey));
  } catch {
    throw new SealFormatError('not an X25519 private key');
  }
}

/** A fresh vault key: 32 random bytes, an AES-256 key. */
export function createVaultKey(): Bytes {
  return randomBytes(VAULT_KEY_BYTES);
}

export function sealVaultKey(
  vaultId: string,
  vaultKey: Bytes,
  group: { id: string; publicKey: string },
): Promise<string> {
  if (vaultKey.length !== VAULT_KEY_BYTES) return Promise.reject(new SealFormatError('not a vault key'));
  return sealToPublicKey(vaultKey, group.publicKey, {
    purpose: 'vault-key',
    objectId: vaultId,
    recipientId: group.id,
  });
}

export async function openVaultKey(
  vaultId: string,
  sealed: string,
  groupPrivateKey: CryptoKey,
  group: { id: string; publicKey: string },
): Promise<Bytes> {
  const bytes = await openSealed(sealed, groupPrivateKey, group.publicKey, {
    purpose: 'vault-key',
    objectId: vaultId,
    recipientId: group.id,
  });
  if (bytes.length !== VAULT_KEY_BYTES) throw new SealFormatError('not a vault key');
  return bytes;
}

/** A vault key as a usable, non-extractable AES-256-GCM key. */
export function importVaultKey(vaultKey: Bytes): Promise<CryptoKey> {
  return importAesGcmKey(vaultKey);
}
