/** The status page's "Replicas" part: whether this bridge shares state with other bridges through Redis, and what it does not share now. */
import type { SharedRedisStatus } from '../shared-redis.ts';
import type { PartReport } from './health.ts';

export function replicasPart(shared: (() => SharedRedisStatus) | undefined, at: string): PartReport {
  if (shared === undefined) {
    return {
      status: 'ok',
      label: 'This bridge alone',
      detail:
        'No SCIMBRIDGE_REDIS_URL: the limit on failed tokens, status-page sign-ins and the request records on this page are this bridge’s own, and every bridge runs the provision watcher and, if set up, the Google sync (safe: the account confirms each member once and applies each change once).',
      checkedAt: at,
    };
  }
  const status = shared();
  if (status.reachable) {
    return {
      status: 'ok',
      label: 'Redis connected',
      detail: `Bridge replicas share through Redis the limit on failed tokens, status-page sign-ins, the request records on this page, the provision watcher's lease and the Google sync's (since ${status.since}).`,
      checkedAt: at,
    };
  }
  return {
    status: 'warning',
    label: 'Redis unreachable',
    detail: `Redis does not answer (${status.error ?? 'no reason given'}, since ${status.since}). Not shared until it is back: failed tokens are counted by this bridge alone (each bridge allows the limit), a status-page sign-in made now works on this bridge only, the request records on this page are this bridge's own, and this bridge runs the provision watcher and, if set up, the Google sync itself (safe: the account confirms each member once).`,
    action:
      'Check that Redis runs and that SCIMBRIDGE_REDIS_URL (address, password, TLS) is right; the bridge reconnects by itself.',
    checkedAt: at,
  };
}
