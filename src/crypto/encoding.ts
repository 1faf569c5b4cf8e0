/**
 * Byte ⇄ text encodings for keys, nonces and ciphertexts. Written without Node's Buffer so
 * the same module runs in the sign-up page; `atob`/`btoa` exist in browsers and Node ≥ 16.
 */

/** Bytes backed by a plain ArrayBuffer: the shape WebCrypto accepts as a BufferSource. */
export type Bytes = Uint8Array<ArrayBuffer>;

const BASE64URL_SHAPE = /^[A-Za-z0-9_-]*$/;

/** btoa takes a "binary string"; building it in chunks keeps the call stack small for large inputs. */
const CHUNK = 0x8000;

export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decodes unpadded base64url (RFC 4648 §5). Throws `EncodingError` on anything else, with a
 * message that never repeats the input: the input is often a secret.
 *
 * Non-canonical text is refused too (RFC 4648 §3.5: the unused bits of the last character
 * must be zero); otherwise one value would have several spellings, and a changed character
 * in a sealed blob could go unnoticed.
 */
export function base64UrlToBytes(text: string): Bytes {
  if (!BASE64URL_SHAPE.test(text) || text.length % 4 === 1) {
    throw new EncodingError('not base64url');
  }
  const unusedBits = text.length % 4 === 2 ? 0b1111 : text.length % 4 === 3 ? 0b11 : 0;
  if (unusedBits !== 0 && (ALPHABET.indexOf(text.charAt(text.length - 1)) & unusedBits) !== 0) {
    throw new EncodingError('not canonical base64url');
  }
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Decodes the base64url fields of a serialised value (a sealed key, a sealed blob): a field
 * that is not base64url throws the caller's format error, so each format reports in its own
 * terms; any other failure is rethrown as it is.
 */
export function base64UrlFields<const Fields extends readonly string[]>(
  fields: Fields,
  formatError: () => Error,
): { [Index in keyof Fields]: Bytes } {
  try {
    return fields.map(base64UrlToBytes) as { [Index in keyof Fields]: Bytes };
  } catch (error) {
    if (error instanceof EncodingError) throw formatError();
    throw error;
  }
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Bytes {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/** True when `text` is base64url that decodes to exactly `length` bytes. */
export function isBase64UrlOfLength(text: string, length: number): boolean {
  return text.length === Math.ceil((length * 4) / 3) && BASE64URL_SHAPE.test(text);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8ToBytes(text: string): Bytes {
  return encoder.encode(text) as Bytes;
}

export function bytesToUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodingError';
  }
}
