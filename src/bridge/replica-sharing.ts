/**
 * What a bridge shares with its replicas when SCIMBRIDGE_REDIS_URL is set: the Redis
 * connection, the provision watcher's lease, the failed-token limit, the status page's
 * sessions and its request records. Without it (or while Redis does not answer) the bridge
 * works alone with the in-process version of each; nothing correct depends on Redis.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import {
  createInProcessFailureLimiter,
  createRedisFailureLimiter,
  type FailureLimiter,
} from './failed-token-limit.ts';
import type { IdpName } from './idp-detect.ts';
import { createRedisLease, type Lease } from './lease.ts';
import { openSharedRedis, type SharedRedis, type SharedRedisStatus } from './shared-redis.ts';
import { createRedisRequestRecords, type SharedRequestRecords } from './shared-request-record.ts';
import { inProcessPageSessions, type PageSessions, StatusSessions } from './status/sessions.ts';
import { createRedisPageSessions } from './status/shared-sessions.ts';

export interface ReplicaSharing {
  redis: SharedRedis | undefined;
  watcherLease: Lease | undefined;
  status: (() => SharedRedisStatus) | undefined;
  /** Failed bearer tokens per address: counted by all replicas, or by this bridge alone. */
  limiter: FailureLimiter;
  /** Status-page sessions: valid on every replica, or on this bridge alone. */
  pageSessions: PageSessions;
  /** The status page's request records of every replica; undefined without Redis. */
  requestRecords: ((cycleOf: (idp: IdpName) => number) => SharedRequestRecords) | undefined;
  close(): Promise<void>;
}

/**
 * The watcher's lease lasts half its interval (at most a minute) and is renewed every third
 * of that, so a standing-by bridge takes over well within one interval of the holder dying.
 */
export function watcherLeaseMs(intervalSeconds: number): number {
  return Math.min(intervalSeconds * 500, 60_000);
}

export function openReplicaSharing(
  config: { redisUrl: string | undefined; redisPrefix: string; confirmationInterval: number },
  logger: Logger,
  clock: Clock,
): ReplicaSharing {
  if (config.redisUrl === undefined) {
    return {
      redis: undefined,
      watcherLease: undefined,
      status: undefined,
      limiter: createInProcessFailureLimiter({ clock }),
      pageSessions: inProcessPageSessions(new StatusSessions(clock)),
      requestRecords: undefined,
      close: async () => {},
    };
  }
  const redis = openSharedRedis({ url: config.redisUrl, logger, prefix: config.redisPrefix });
  const watcherLease = createRedisLease({
    name: 'provision-watcher',
    ttlMs: watcherLeaseMs(config.confirmationInterval),
    redis,
  });
  const records: SharedRequestRecords[] = [];
  return {
    redis,
    watcherLease,
    status: () => redis.status(),
    limiter: createRedisFailureLimiter({ redis, clock }),
    pageSessions: createRedisPageSessions({ redis, clock }),
    requestRecords: (cycleOf) => {
      const shared = createRedisRequestRecords({ redis, clock, cycleOf });
      records.push(shared);
      return shared;
    },
    async close() {
      await Promise.all(records.map((shared) => shared.flush()));
      await watcherLease.release();
      await redis.close();
    },
  };
}
