/**
 * Form tokens against cross-site requests, one scheme for the account's pages and the
 * bridge's status page: each form carries a token derived from the page session's cookie,
 * which another site can neither read (HttpOnly) nor compute, so a forged form lacks it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Derived, so nothing more is stored; unknowable to another site, which cannot read the HttpOnly cookie. */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`scimbridge csrf v1|${sessionToken}`).digest('base64url');
}

/** Whether a form's `csrf` field is the session's token; compared in constant time. */
export function sameCsrfToken(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string' || sent.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}
