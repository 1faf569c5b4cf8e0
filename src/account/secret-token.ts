/**
 * The one shape of bearer secret the account hands out (member sessions, invitation links,
 * API sessions, monitoring tokens): 32 random bytes in base64url, optionally behind a prefix.
 * Only the SHA-256 of a token is stored. A plain digest suffices because the token is
 * high-entropy: there is nothing to guess, so a copy of the database opens nothing.
 */
import { createHash, randomBytes } from 'node:crypto';

/** base64url of 32 random bytes, without a prefix. */
export const SECRET_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The base64url SHA-256 that the store keeps in place of the token. */
export function digestSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
