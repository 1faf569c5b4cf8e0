/** At most one replica runs a once-only job; Redis renew/release are compare-and-set in Lua so an expired holder cannot touch a new one's lease. A lease only saves work (jobs are safe twice), so unreachable Redis means "held" by default. */
import { randomBytes } from 'node:crypto';
import type { SharedRedis } from './shared-redis.ts';

export interface LeaseStatus {
  name: string;
  /** `in-process`, `redis`, or `redis-unreachable` (held locally while Redis does not answer). */
  mode: 'in-process' | 'redis' | 'redis-unreachable';
  held: boolean;
}

export interface Lease {
  readonly name: string;
  /** How long a taken or renewed lease lasts; renew at least every third of it. */
  readonly ttlMs: number;
  /** Takes the lease when it is free or ended, renews it when this holder has it. True: held for ttlMs. */
  tryAcquire(): Promise<boolean>;
  /** Gives the lease up at shutdown, so another replica need not wait for it to end. */
  release(): Promise<void>;
  status(): LeaseStatus;
}

/** Holders in one process: name → holder and end (monotonic ms). */
export class InProcessLeases {
  readonly holders = new Map<string, { holder: string; until: number }>();
}

const processLeases = new InProcessLeases();

export function createInProcessLease(options: {
  name: string;
  ttlMs: number;
  /** Leases on the same registry contend; by default, the process's one registry. */
  registry?: InProcessLeases;
  now?: () => number;
  holder?: string;
}): Lease {
  const registry = options.registry ?? processLeases;
  const now = options.now ?? (() => performance.now());
  const holder = options.holder ?? randomBytes(12).toString('base64url');
  let held = false;
  return {
    name: options.name,
    ttlMs: options.ttlMs,
    async tryAcquire() {
      const current = registry.holders.get(options.name);
      const at = now();
      if (current && current.holder !== holder && current.until > at) {
        held = false;
        return false;
      }
      registry.holders.set(options.name, { holder, until: at + options.ttlMs });
      held = true;
      return true;
    },
    async release() {
      if (registry.holders.get(options.name)?.holder === holder) registry.holders.delete(options.name);
      held = false;
    },
    status: () => ({ name: options.name, mode: 'in-process', held }),
  };
}

/** Takes a free lease or renews our own; 1 when held afterwards. */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Deletes the lease only if we hold it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export function createRedisLease(options: {
  name: string;
  ttlMs: number;
  redis: SharedRedis;
  /** What `tryAcquire` answers when Redis does not: run anyway (default) or wait. */
  whenUnreachable?: 'hold' | 'wait';
  holder?: string;
}): Lease {
  const key = `${options.redis.prefix}lease:${options.name}`;
  const holder = options.holder ?? randomBytes(12).toString('base64url');
  const whenUnreachable = options.whenUnreachable ?? 'hold';
  let held = false;
  let unreachable = false;
  return {
    name: options.name,
    ttlMs: options.ttlMs,
    async tryAcquire() {
      const answer = await options.redis.attempt('lease', (client) =>
        client.eval(ACQUIRE, 1, key, holder, String(options.ttlMs)),
      );
      if (answer === undefined) {
        unreachable = true;
        held = whenUnreachable === 'hold';
        return held;
      }
      unreachable = false;
      held = answer === 1;
      return held;
    },
    async release() {
      if (held && !unreachable)
        await options.redis.attempt('lease release', (client) => client.eval(RELEASE, 1, key, holder));
      held = false;
    },
    status: () => ({ name: options.name, mode: unreachable ? 'redis-unreachable' : 'redis', held }),
  };
}
