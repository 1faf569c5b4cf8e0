/**
 * The session file: the integration's private keys, sealed under the bearer token
 * (DESIGN.md, "Credentials: the token is the key").
 *
 *   key  = HKDF-SHA256(ikm = token bytes, salt, info = "scimbridge session v1")   (RFC 5869)
 *   blob = AES-256-GCM(key, nonce, plaintext = JSON of the private keys, aad = header)
 *
 * The header (version, account URL, integration id, key id, creation time) is the AEAD's
 * associated data, so the file alone reveals no key, a wrong token fails the tag check, and
 * a changed header fails it too. Salt and nonce need no protection of their own: changing
 * either changes the key or the keystream, and the tag check fails.
 */
import { AeadError, aesGcmDecrypt, aesGcmEncrypt } from '../aead.ts';
import {
  type Bytes,
  base64UrlToBytes,
  bytesToBase64Url,
  bytesToUtf8,
  EncodingError,
  utf8ToBytes,
} from '../encoding.ts';
import { hkdfAesGcmKey } from '../hkdf.ts';
import { randomBytes } from '../random.ts';

export const SESSION_FILE_VERSION = 1;
export const SESSION_KDF_INFO = 'scimbridge session v1';
const SALT_BYTES = 16;

export interface SessionHeader {
  version: typeof SESSION_FILE_VERSION;
  accountUrl: string;
  integrationId: string;
  keyId: string;
  /** ISO-8601 UTC. */
  createdAt: string;
}

export interface SessionFile extends SessionHeader {
  /** base64url. */
  salt: string;
  nonce: string;
  blob: string;
}

/** What the blob holds: PKCS #8 private keys as base64url. */
export interface SessionSecrets {
  /** Ed25519: the bridge's identity towards the account API. */
  signingPrivateKey: string;
  /** X25519: unwraps group keys to confirm members (DESIGN.md, "The key chain"). */
  provisioningPrivateKey: string;
}

/** A fixed field order, so the same header always gives the same associated data. */
function headerAad(header: SessionHeader): Bytes {
  return utf8ToBytes(
    JSON.stringify([header.version, header.accountUrl, header.integrationId, header.keyId, header.createdAt]),
  );
}

export async function sealSession(
  header: SessionHeader,
  tokenBytes: Bytes,
  secrets: SessionSecrets,
): Promise<SessionFile> {
  const salt = randomBytes(SALT_BYTES);
  const key = await hkdfAesGcmKey(tokenBytes, salt, SESSION_KDF_INFO);
  const plaintext = utf8ToBytes(
    JSON.stringify({
      signingPrivateKey: secrets.signingPrivateKey,
      provisioningPrivateKey: secrets.provisioningPrivateKey,
    }),
  );
  const sealed = await aesGcmEncrypt(key, plaintext, headerAad(header));
  return {
    version: header.version,
    accountUrl: header.accountUrl,
    integrationId: header.integrationId,
    keyId: header.keyId,
    createdAt: header.createdAt,
    salt: bytesToBase64Url(salt),
    nonce: bytesToBase64Url(sealed.nonce),
    blob: bytesToBase64Url(sealed.ciphertext),
  };
}

/** Resolves to undefined when the token does not open this file, or the file was altered. */
export async function openSession(file: SessionFile, tokenBytes: Bytes): Promise<SessionSecrets | undefined> {
  try {
    const key = await hkdfAesGcmKey(tokenBytes, base64UrlToBytes(file.salt), SESSION_KDF_INFO);
    const plaintext = await aesGcmDecrypt(
      key,
      { nonce: base64UrlToBytes(file.nonce), ciphertext: base64UrlToBytes(file.blob) },
      headerAad(file),
    );
    const secrets: unknown = JSON.parse(bytesToUtf8(plaintext));
    if (!isSessionSecrets(secrets)) return undefined;
    return secrets;
  } catch (error) {
    if (error instanceof AeadError || error instanceof EncodingError) return undefined;
    throw error;
  }
}

function isSessionSecrets(value: unknown): value is SessionSecrets {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.signingPrivateKey === 'string' && typeof record.provisioningPrivateKey === 'string';
}

/** Indented JSON with a final newline: what gets written to disk. */
export function serializeSessionFile(file: SessionFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Validates the shape of parsed JSON. Returns what is wrong (never a value from the file:
 * the blob is secret-derived and operators paste these messages into tickets).
 */
export function validateSessionFile(
  value: unknown,
): { ok: true; file: SessionFile } | { ok: false; problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'expected a JSON object' };
  }
  const record = value as Record<string, unknown>;
  if (record.version !== SESSION_FILE_VERSION) {
    return {
      ok: false,
      problem:
        typeof record.version === 'number'
          ? `unsupported format version ${record.version} (this bridge reads version ${SESSION_FILE_VERSION})`
          : 'missing "version"',
    };
  }
  for (const field of ['accountUrl', 'integrationId', 'keyId', 'createdAt'] as const) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      return { ok: false, problem: `"${field}" must be a non-empty string` };
    }
  }
  for (const field of ['salt', 'nonce', 'blob'] as const) {
    const text = record[field];
    if (typeof text !== 'string' || !B64URL.test(text) || text.length % 4 === 1) {
      return { ok: false, problem: `"${field}" must be base64url` };
    }
  }
  return {
    ok: true,
    file: {
      version: SESSION_FILE_VERSION,
      accountUrl: record.accountUrl as string,
      integrationId: record.integrationId as string,
      keyId: record.keyId as string,
      createdAt: record.createdAt as string,
      salt: record.salt as string,
      nonce: record.nonce as string,
      blob: record.blob as string,
    },
  };
}
