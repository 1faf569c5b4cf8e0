/**
 * What a bridge shares with its replicas when SCIMBRIDGE_REDIS_URL is set: the Redis
 * connection and the provision watcher's lease (the Google sync's lease is made on the same
 * connection where the sync is attached). Without it the bridge works alone.
 */
import type { Logger } from 'pino';
import { createRedisLease, type Lease } from './lease.ts';
import { openSharedRedis, type SharedRedis, type SharedRedisStatus } from './shared-redis.ts';

export interface ReplicaSharing {
  redis: SharedRedis | undefined;
  watcherLease: Lease | undefined;
  status: (() => SharedRedisStatus) | undefined;
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
): ReplicaSharing {
  if (config.redisUrl === undefined) {
    return { redis: undefined, watcherLease: undefined, status: undefined, close: async () => {} };
  }
  const redis = openSharedRedis({ url: config.redisUrl, logger, prefix: config.redisPrefix });
  const watcherLease = createRedisLease({
    name: 'provision-watcher',
    ttlMs: watcherLeaseMs(config.confirmationInterval),
    redis,
  });
  return {
    redis,
    watcherLease,
    status: () => redis.status(),
    async close() {
      await watcherLease.release();
      await redis.close();
    },
  };
}
