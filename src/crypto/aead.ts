/**
 * AES-256-GCM with associated data. A fresh 96-bit random nonce per message (NIST SP
 * 800-38D §8.2.2); the 128-bit tag is appended to the ciphertext, as WebCrypto does.
 */
import type { Bytes } from './encoding.ts';
import { randomBytes } from './random.ts';

const subtle = globalThis.crypto.subtle;

export const AES_GCM_NONCE_BYTES = 12;

export interface Sealed {
  nonce: Bytes;
  /** Ciphertext followed by the 16-byte authentication tag. */
  ciphertext: Bytes;
}

export async function aesGcmEncrypt(key: CryptoKey, plaintext: Bytes, aad: Bytes): Promise<Sealed> {
  const nonce = randomBytes(AES_GCM_NONCE_BYTES);
  const ciphertext = await subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: aad },
    key,
    plaintext,
  );
  return { nonce, ciphertext: new Uint8Array(ciphertext) };
}

/**
 * Throws `AeadError` when the key, nonce, ciphertext or associated data differ from what was
 * sealed: GCM cannot tell which, and callers must not guess either.
 */
export async function aesGcmDecrypt(key: CryptoKey, sealed: Sealed, aad: Bytes): Promise<Bytes> {
  if (sealed.nonce.length !== AES_GCM_NONCE_BYTES) throw new AeadError();
  try {
    const plaintext = await subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.nonce, additionalData: aad },
      key,
      sealed.ciphertext,
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new AeadError();
  }
}

/** Imports 32 raw bytes as an AES-256-GCM key. */
export function importAesGcmKey(raw: Bytes, extractable = false): Promise<CryptoKey> {
  return subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, extractable, ['encrypt', 'decrypt']);
}

export class AeadError extends Error {
  constructor() {
    super('authenticated decryption failed');
    this.name = 'AeadError';
  }
}
