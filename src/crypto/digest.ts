/** SHA-256 on WebCrypto. */
import type { Bytes } from './encoding.ts';

export async function sha256(data: Bytes): Promise<Bytes> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
}
