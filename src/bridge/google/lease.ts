/**
 * Who leads the Google sync when several bridges run: the one holding the lease. Small on
 * purpose, so a shared implementation (a Redis key with an expiry) can stand in for the
 * in-process one. A holder renews before `ttlMs` runs out; a bridge that died loses it.
 */
import { createRedisLease, type Lease } from '../lease.ts';
import type { SharedRedis } from '../shared-redis.ts';

export interface SyncLease {
  /** True when `holder` has the lease now (taken, or renewed because it already held it). */
  acquire(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` has it. */
  release(holder: string): Promise<void>;
}

/**
 * Several bridges on one Redis (SCIMBRIDGE_REDIS_URL): the replicas' lease under the name
 * `google-sync`, one per holder. While Redis does not answer each bridge leads itself, as the
 * watcher does: the account's use cases keep a doubled run from doubling any change.
 */
export function createSharedSyncLease(redis: SharedRedis): SyncLease {
  const leases = new Map<string, Lease>();
  const leaseOf = (holder: string, ttlMs: number): Lease => {
    let lease = leases.get(holder);
    if (lease === undefined || lease.ttlMs !== ttlMs) {
      lease = createRedisLease({ name: 'google-sync', ttlMs, redis, holder });
      leases.set(holder, lease);
    }
    return lease;
  };
  return {
    acquire: (holder, ttlMs) => leaseOf(holder, ttlMs).tryAcquire(),
    async release(holder) {
      await leases.get(holder)?.release();
      leases.delete(holder);
    },
  };
}

/** One process, one leader: for a single bridge, and for tests of several. */
export class InProcessLease implements SyncLease {
  private holder: string | undefined;
  private until = 0;

  constructor(private readonly now: () => number) {}

  async acquire(holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.holder !== undefined && this.holder !== holder && now < this.until) return false;
    this.holder = holder;
    this.until = now + ttlMs;
    return true;
  }

  async release(holder: string): Promise<void> {
    if (this.holder === holder) this.holder = undefined;
  }
}
