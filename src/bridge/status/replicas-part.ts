/** The status page's "Replicas" part: whether this bridge shares state with other bridges through Redis. */
import type { SharedRedisStatus } from '../shared-redis.ts';
import type { PartReport } from './health.ts';

export function replicasPart(shared: (() => SharedRedisStatus) | undefined, at: string): PartReport {
  if (shared === undefined) {
    return {
      status: 'ok',
      label: 'This bridge alone',
      detail:
        'No SCIMBRIDGE_REDIS_URL: rate limits on failed tokens, status-page sign-ins and the request records on this page are this bridge’s own, and every bridge runs the provision watcher (safe: the account confirms each member once).',
      checkedAt: at,
    };
  }
  const status = shared();
  if (status.reachable) {
    return {
      status: 'ok',
      label: 'Redis connected',
      detail: `Bridge replicas share rate limits, status-page sign-ins and the watcher's lease through Redis (since ${status.since}).`,
      checkedAt: at,
    };
  }
  return {
    status: 'warning',
    label: 'Redis unreachable',
    detail: `Redis does not answer (${status.error ?? 'no reason given'}, since ${status.since}): this bridge works alone until it is back — its own rate limits and sign-ins, and it runs the provision watcher itself.`,
    action:
      'Check that Redis runs and that SCIMBRIDGE_REDIS_URL (address, password, TLS) is right; the bridge reconnects by itself.',
    checkedAt: at,
  };
}
