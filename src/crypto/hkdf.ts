/** HKDF-SHA256 (RFC 5869) on WebCrypto. */
import { type Bytes, utf8ToBytes } from './encoding.ts';

const subtle = globalThis.crypto.subtle;

function infoBytes(info: Uint8Array | string): Bytes {
  return typeof info === 'string' ? utf8ToBytes(info) : (info as Bytes);
}

/** Derives `length` bytes of output keying material (RFC 5869 §2.2–2.3). */
export async function hkdfSha256(
  ikm: Bytes,
  salt: Bytes,
  info: Uint8Array | string,
  length: number,
): Promise<Bytes> {
  const base = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt, info: infoBytes(info) },
    base,
    length * 8,
  );
  return new Uint8Array(bits);
}

/**
 * Derives a non-extractable AES-256-GCM key. The key never exists as bytes in JavaScript,
 * so it cannot leak through a log or a heap dump of plain arrays.
 */
export async function hkdfAesGcmKey(ikm: Bytes, salt: Bytes, info: Uint8Array | string): Promise<CryptoKey> {
  const base = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: infoBytes(info) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}
