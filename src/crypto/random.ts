/** Cryptographically strong randomness from WebCrypto (browser and Node alike). */
import type { Bytes } from './encoding.ts';

/** getRandomValues refuses more than 65,536 bytes per call. */
const MAX_PER_CALL = 65_536;

export function randomBytes(length: number): Bytes {
  const bytes = new Uint8Array(length);
  for (let start = 0; start < length; start += MAX_PER_CALL) {
    globalThis.crypto.getRandomValues(bytes.subarray(start, Math.min(length, start + MAX_PER_CALL)));
  }
  return bytes;
}
