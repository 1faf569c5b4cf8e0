import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deadRedisUrl, twoTestRedis } from '../../test/support/redis.ts';
import { needsRedis } from '../../test/support/requirements.ts';
import type { Clock } from '../clock.ts';
import { createInProcessFailureLimiter, createRedisFailureLimiter } from './failed-token-limit.ts';

const clockAt = (ms: number): Clock & { ms: number } => {
  const clock = { ms, now: () => new Date(clock.ms) };
  return clock;
};

describe('in-process failed-token limit', () => {
  test('ten failures pass, the eleventh is blocked until the window that opened at the first closes', async () => {
    const clock = clockAt(0);
    const limiter = createInProcessFailureLimiter({ clock });
    for (let i = 0; i < 10; i++) assert.deepEqual(await limiter.fail('10.0.0.1'), { blocked: false });
    clock.ms = 15_000;
    assert.deepEqual(await limiter.fail('10.0.0.1'), { blocked: true, retryAfterSeconds: 45 });
    assert.deepEqual(limiter.check('10.0.0.1'), { blocked: true, retryAfterSeconds: 45 });
    assert.deepEqual(limiter.check('10.0.0.2'), { blocked: false }, 'another address is not blocked');
    clock.ms = 60_000;
    assert.deepEqual(await limiter.fail('10.0.0.1'), { blocked: false }, 'a new window');
  });
});

describe('failed-token limit shared through Redis', needsRedis, () => {
  const redis = twoTestRedis();
  after(() => redis.close());

  test('failures on two bridges count together; once over the limit both refuse, and each knows it without asking', async () => {
    const clock = clockAt(Date.now());
    const a = createRedisFailureLimiter({ redis: redis.a, clock });
    const b = createRedisFailureLimiter({ redis: redis.b, clock });
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await a.fail('192.0.2.7'), { blocked: false });
      assert.deepEqual(await b.fail('192.0.2.7'), { blocked: false });
    }
    const onA = await a.fail('192.0.2.7');
    assert.equal(onA.blocked, true, 'the eleventh failure, on A, is refused');
    assert.ok(onA.blocked && onA.retryAfterSeconds >= 1 && onA.retryAfterSeconds <= 60);
    assert.equal((await b.fail('192.0.2.7')).blocked, true, 'and so is the next one, on B');
    assert.equal(a.check('192.0.2.7').blocked, true);
    assert.equal(b.check('192.0.2.8').blocked, false, 'another address is not blocked');
    assert.equal((await b.fail('192.0.2.8')).blocked, false);
    assert.equal(redis.a.status().reachable, true);
  });

  test('the count lives under the prefix, keyed by address, and ends with its window', async () => {
    const clock = clockAt(Date.now());
    const a = createRedisFailureLimiter({ redis: redis.a, clock, windowMs: 30_000 });
    await a.fail('198.51.100.1');
    const key = `${redis.prefix}failed-tokens:198.51.100.1`;
    assert.equal(await redis.a.client.get(key), '1');
    const ttl = await redis.a.client.pttl(key);
    assert.ok(ttl > 0 && ttl <= 30_000, `a TTL of at most the window (${ttl})`);
  });
});

describe('failed-token limit with Redis down', () => {
  test('each bridge counts alone, at once (no wait for Redis), and Redis is reported unreachable', async () => {
    const redis = twoTestRedis(await deadRedisUrl());
    try {
      const clock = clockAt(0);
      const a = createRedisFailureLimiter({ redis: redis.a, clock });
      const b = createRedisFailureLimiter({ redis: redis.b, clock });
      for (let i = 0; i < 10; i++) assert.equal((await a.fail('10.1.1.1')).blocked, false);
      assert.equal((await a.fail('10.1.1.1')).blocked, true, 'A applies the limit alone');
      assert.equal((await b.fail('10.1.1.1')).blocked, false, 'B has its own count');
      assert.equal(redis.a.status().reachable, false);
    } finally {
      await redis.close();
    }
  });
});
