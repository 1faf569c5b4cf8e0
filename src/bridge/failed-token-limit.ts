/**
 * The limit on failed bearer tokens per client address (10 a minute), in process or shared by
 * bridge replicas through Redis. Only a failure costs a Redis round trip: the right token is
 * never counted, so it never waits on Redis. While Redis does not answer, each failure is
 * counted by this bridge alone (the in-process limiter), as a bridge without Redis does.
 */
import { type AddressLimitDecision, AddressLimiter } from '../address-limiter.ts';
import type { Clock } from '../clock.ts';
import { luaScript, SHARED_CALL_TIMEOUT_MS, type SharedRedis } from './shared-redis.ts';

export const FAILED_TOKENS_PER_WINDOW = 10;
export const FAILED_TOKEN_WINDOW_MS = 60_000;

export interface FailureLimiter {
  /** What this bridge already knows, without a round trip: blocked while a recent failure here found the address over the limit. */
  check(address: string): AddressLimitDecision;
  /** Counts one failed attempt; blocked when the address is past the limit (answer 429 with Retry-After, RFC 6585 §4). */
  fail(address: string): Promise<AddressLimitDecision>;
}

const ALLOWED: AddressLimitDecision = Object.freeze({ blocked: false });

export function createInProcessFailureLimiter(options: {
  clock: Clock;
  maxAttempts?: number;
  windowMs?: number;
}): FailureLimiter {
  const limiter = new AddressLimiter({
    clock: options.clock,
    maxAttempts: options.maxAttempts ?? FAILED_TOKENS_PER_WINDOW,
    windowMs: options.windowMs ?? FAILED_TOKEN_WINDOW_MS,
  });
  return {
    check: (address) => limiter.check(address),
    async fail(address) {
      // A blocked attempt is not counted: the window still closes when it would have.
      const decision = limiter.check(address);
      if (decision.blocked) return decision;
      limiter.record(address);
      return ALLOWED;
    },
  };
}

/**
 * A fixed window per address that opens at its first failure, as in process: INCR, and
 * PEXPIRE on the first; the window's end is the key's TTL. One script, one round trip.
 */
const COUNT_FAILURE = luaScript(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`);

/** Addresses this bridge remembers as blocked, for `check` (bounded; the oldest go first). */
const MAX_REMEMBERED = 10_000;

export function createRedisFailureLimiter(options: {
  redis: SharedRedis;
  clock: Clock;
  maxAttempts?: number;
  windowMs?: number;
}): FailureLimiter {
  const maxAttempts = options.maxAttempts ?? FAILED_TOKENS_PER_WINDOW;
  const windowMs = options.windowMs ?? FAILED_TOKEN_WINDOW_MS;
  const alone = createInProcessFailureLimiter(options);
  /** Address → end of its block (clock ms), learnt from Redis's answers. */
  const blockedUntil = new Map<string, number>();
  const key = (address: string) => `${options.redis.prefix}failed-tokens:${address}`;
  return {
    check(address) {
      const until = blockedUntil.get(address);
      if (until !== undefined) {
        const left = until - options.clock.now().getTime();
        if (left > 0) return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
        blockedUntil.delete(address);
      }
      return alone.check(address);
    },
    async fail(address) {
      const answer = await options.redis.attempt(
        'failed-token limit',
        (client) => COUNT_FAILURE(client, [key(address)], [String(windowMs)]) as Promise<[number, number]>,
        SHARED_CALL_TIMEOUT_MS,
      );
      if (answer === undefined) return alone.fail(address);
      const [count, ttl] = answer;
      if (count <= maxAttempts) return ALLOWED;
      blockedUntil.delete(address);
      blockedUntil.set(address, options.clock.now().getTime() + ttl);
      if (blockedUntil.size > MAX_REMEMBERED) blockedUntil.delete(blockedUntil.keys().next().value!);
      return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
  };
}
