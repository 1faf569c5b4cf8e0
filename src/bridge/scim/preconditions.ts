/** ETag preconditions (RFC 7644 §3.14, RFC 7232 §3.1–3.2). */
import { AccountError } from '../../account/errors.ts';
import { preconditionFailed, unavailable } from '../../scim/errors.ts';
import { parseETagHeader } from '../../scim/etag.ts';
import type { ScimContext } from './context.ts';

/**
 * Returns the version a write must find, or undefined when the client set no If-Match.
 * A stale If-Match is refused before anything is written.
 */
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

/**
 * The account's `version_mismatch` for a version taken from If-Match, answered as
 * `expectedVersionFor` answers a stale one, so a write that skipped the read fails alike.
 */
export function asStaleIfMatch(error: unknown): unknown {
  return error instanceof AccountError && error.code === 'version_mismatch' ? staleIfMatch() : error;
}

/**
 * The version a write may name to the account without reading the resource first:
 * `{ expected: undefined }` without If-Match or with `*` (the account's own not-found answers
 * for an absent resource), the one version an If-Match names, or undefined when the header
 * can only be judged against the current version (several tags, none this server issues) or
 * is malformed; the caller then reads first, so those keep their answers and their order.
 */
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
  // A version past what the account counts to (it accepts safe integers) names no version
  // it has: the read path answers it with 412, as for any other stale tag.
  return condition.versions.length === 1 && Number.isSafeInteger(only) ? { expected: only } : undefined;
}

/** True when If-None-Match names the current version, so a GET may answer 304. */
export function notModified(ifNoneMatch: string | undefined, currentVersion: number): boolean {
  const condition = parseETagHeader(ifNoneMatch);
  if (condition === undefined) return false;
  return 'any' in condition || condition.versions.includes(currentVersion);
}

/**
 * A request without If-Match that lost this many races in a row is answered 503 with
 * Retry-After rather than kept waiting: each lost race is another writer's success, so this
 * takes a stream of writes to one resource that never lets up. Never 412 (RFC 7644 §3.14:
 * only a version the client named can be stale).
 */
const UNPINNED_ATTEMPTS = 200;

/**
 * Runs a read-modify-write of one resource (`key`; undefined for a write that reads nothing
 * first). Within this bridge, writes to a resource take turns (`ResourceQueue`). When another writer (another bridge, the CLI) changed the
 * resource between the read and the write and the client did not pin a version, the write
 * reads again and retries until it applies: a request without If-Match never fails for a
 * version race. With If-Match, the version race is the client's 412.
 */
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
