/** ETag preconditions (RFC 7644 §3.14, RFC 7232 §3.1–3.2). */
import { AccountError } from '../../account/errors.ts';
import { preconditionFailed, unavailable } from '../../scim/errors.ts';
import { parseETagHeader } from '../../scim/etag.ts';
import type { ScimContext } from './context.ts';

/** The version a write must find, or undefined without If-Match; a stale If-Match is refused before any write. */
export function expectedVersionFor(ifMatch: string | undefined, currentVersion: number): number | undefined {
  const condition = parseETagHeader(ifMatch);
  if (condition === undefined) return undefined;
  if ('any' in condition) return currentVersion;
  if (!condition.versions.includes(currentVersion)) throw staleIfMatch();
  return currentVersion;
}

function staleIfMatch() {
  return preconditionFailed('the resource has changed since the version named in If-Match');
}

/** Answers a stale If-Match version as `expectedVersionFor` would, so a write that skipped the read fails alike. */
export function asStaleIfMatch(error: unknown): unknown {
  return error instanceof AccountError && error.code === 'version_mismatch' ? staleIfMatch() : error;
}

/** A version a write may name without reading first; undefined when the header needs the current version, so the caller reads first and answers keep their order. */
export function singleExpectedVersion(
  ifMatch: string | undefined,
): { expected: number | undefined } | undefined {
  let condition: ReturnType<typeof parseETagHeader>;
  try {
    condition = parseETagHeader(ifMatch);
  } catch {
    return undefined;
  }
  if (condition === undefined || 'any' in condition) return { expected: undefined };
  const [only] = condition.versions;
  // A version past the account's safe-integer range names nothing it has: 412 via the read path, like any stale tag.
  return condition.versions.length === 1 && Number.isSafeInteger(only) ? { expected: only } : undefined;
}

/** True when If-None-Match names the current version, so a GET may answer 304. */
export function notModified(ifNoneMatch: string | undefined, currentVersion: number): boolean {
  const condition = parseETagHeader(ifNoneMatch);
  if (condition === undefined) return false;
  return 'any' in condition || condition.versions.includes(currentVersion);
}

/** Lost races before a request without If-Match gets 503 + Retry-After; never 412 (RFC 7644 §3.14: only a client-named version is stale). */
const UNPINNED_ATTEMPTS = 200;

/** Read-modify-write of one resource, queued per resource in this bridge; without If-Match a version race retries until it applies, with one it is the client's 412. */
export function withVersionRetry<T>(
  ctx: Pick<ScimContext, 'writes'>,
  key: string | undefined,
  pinned: boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  const run = async (): Promise<T> => {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const race = error instanceof AccountError && error.code === 'version_mismatch';
        if (!race || pinned) throw error;
        if (tries >= UNPINNED_ATTEMPTS) {
          throw unavailable('the resource is being changed by other writers all the time; retry later', 1);
        }
      }
    }
  };
  return ctx.writes && key !== undefined ? ctx.writes.run(key, run) : run();
}
