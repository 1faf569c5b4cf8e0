/**
 * The bearer token the IdP sends. `sbt_` ("scimbridge token") makes a leaked token easy to
 * spot for secret scanners; the rest is 32 random bytes (256 bits) in base64url. The token's
 * bytes are the key material of the session file (see session-file.ts), so nothing stores it.
 */
import { type Bytes, base64UrlToBytes, bytesToBase64Url, isBase64UrlOfLength } from '../encoding.ts';
import { randomBytes } from '../random.ts';

export const TOKEN_PREFIX = 'sbt_';
export const TOKEN_RANDOM_BYTES = 32;
/** 4 + 43 characters. */
export const TOKEN_LENGTH = TOKEN_PREFIX.length + Math.ceil((TOKEN_RANDOM_BYTES * 4) / 3);

export interface Token {
  /** What the IdP is given. */
  text: string;
  /** The random part: the HKDF input keying material. */
  bytes: Bytes;
}

export function generateToken(): Token {
  const bytes = randomBytes(TOKEN_RANDOM_BYTES);
  return { text: TOKEN_PREFIX + bytesToBase64Url(bytes), bytes };
}

/**
 * Checks the token's shape only (whether it opens a session file is the verifier's job).
 * Never throws: a bad token is an answer, and an exception could carry it into a log.
 */
export function parseToken(text: string): { ok: true; token: Token } | { ok: false } {
  if (text.length !== TOKEN_LENGTH || !text.startsWith(TOKEN_PREFIX)) return { ok: false };
  const encoded = text.slice(TOKEN_PREFIX.length);
  if (!isBase64UrlOfLength(encoded, TOKEN_RANDOM_BYTES)) return { ok: false };
  // 43 characters carry 258 bits; the decoder refuses a token whose last two are not zero,
  // so that one token has one spelling (and one digest in the verifier's cache).
  try {
    return { ok: true, token: { text, bytes: base64UrlToBytes(encoded) } };
  } catch {
    return { ok: false };
  }
}
