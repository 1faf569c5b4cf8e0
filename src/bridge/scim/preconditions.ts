/** ETag preconditions (RFC 7644 §3.14, RFC 7232 §3.1–3.2). */
import { AccountError } from '../../account/errors.ts';
import { preconditionFailed } from '../../scim/errors.ts';
import { parseETagHeader } from '../../scim/etag.ts';

/**
 * Returns the version a write must find, or undefined when the client set no If-Match.
 * A stale If-Match is refused before anything is written.
 */
export function expectedVersionFor(ifMatch: string | undefined, currentVersion: number): number | undefined {
  const condition = parseETagHeader(ifMatch);
  if (condition === undefined) return undefined;
  if ('any' in condition) return currentVersion;
  if (!condition.versions.includes(currentVersion)) {
    throw preconditionFailed('the resource has changed since the version named in If-Match');
  }
  return currentVersion;
}

/** True when If-None-Match names the current version, so a GET may answer 304. */
export function notModified(ifNoneMatch: string | undefined, currentVersion: number): boolean {
  const condition = parseETagHeader(ifNoneMatch);
  if (condition === undefined) return false;
  return 'any' in condition || condition.versions.includes(currentVersion);
}

/**
 * Runs a read-modify-write; when another request changed the resource in between and the
 * client did not pin a version, reads again and retries, so concurrent IdP requests never
 * see a spurious 412.
 */
export async function withVersionRetry<T>(pinned: boolean, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const retry =
        !pinned && tries < 5 && error instanceof AccountError && error.code === 'version_mismatch';
      if (!retry) throw error;
    }
  }
}
