import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { needsRedis, TEST_REDIS_URL } from '../../test/support/requirements.ts';
import { createInProcessLease, createRedisLease, InProcessLeases } from './lease.ts';
import { openSharedRedis, redactedRedisUrl } from './shared-redis.ts';

const quiet = pino({ level: 'silent' });

describe('in-process lease', () => {
  test('one holder at a time; the other takes it once it ends or is released', async () => {
    let now = 0;
    const registry = new InProcessLeases();
    const a = createInProcessLease({ name: 'watcher', ttlMs: 1000, registry, now: () => now });
    const b = createInProcessLease({ name: 'watcher', ttlMs: 1000, registry, now: () => now });
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await b.tryAcquire(), false);
    now = 900;
    assert.equal(await a.tryAcquire(), true, 'the holder renews');
    now = 1800;
    assert.equal(await b.tryAcquire(), false, 'renewed at 900, so held until 1900');
    now = 1901;
    assert.equal(await b.tryAcquire(), true, 'ended: another takes it');
    assert.equal(await a.tryAcquire(), false);
    await b.release();
    assert.equal(await a.tryAcquire(), true, 'released: free at once');
    assert.deepEqual(a.status(), { name: 'watcher', mode: 'in-process', held: true });
  });
});

describe('Redis lease', needsRedis, () => {
  const prefix = `scimbridge-test:${randomBytes(6).toString('hex')}:`;
  const redis = openSharedRedis({ url: TEST_REDIS_URL, logger: quiet, prefix });
  after(async () => {
    await redis.ready();
    const keys = await redis.client.keys(`${prefix}*`);
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.close();
  });

  test('exactly one of several contenders holds it; after release another takes it', async () => {
    assert.equal(await redis.ready(), true);
    const leases = Array.from({ length: 5 }, () =>
      createRedisLease({ name: 'watcher', ttlMs: 30_000, redis }),
    );
    const answers = await Promise.all(leases.map((lease) => lease.tryAcquire()));
    assert.equal(answers.filter(Boolean).length, 1);
    const holder = leases[answers.indexOf(true)]!;
    assert.equal(await holder.tryAcquire(), true, 'the holder renews');
    assert.equal(holder.status().mode, 'redis');
    const loser = leases.find((lease) => lease !== holder)!;
    await loser.release();
    assert.equal(
      await loser.tryAcquire(),
      false,
      'a contender that never held it cannot free it by releasing',
    );
    assert.deepEqual(
      await redis.client.keys(`${prefix}lease:*`),
      [`${prefix}lease:watcher`],
      'one shared key',
    );
    await holder.release();
    const next = await Promise.all(leases.filter((l) => l !== holder).map((lease) => lease.tryAcquire()));
    assert.equal(next.filter(Boolean).length, 1);
  });

  test('a lease that ended in Redis goes to the next contender; the old holder can neither renew nor delete it', async () => {
    const a = createRedisLease({ name: 'short', ttlMs: 30_000, redis });
    const b = createRedisLease({ name: 'short', ttlMs: 30_000, redis });
    assert.equal(await a.tryAcquire(), true);
    // The holder stalled past its lease: Redis ended it (we end it here instead of waiting).
    await redis.client.del(`${prefix}lease:short`);
    assert.equal(await b.tryAcquire(), true);
    assert.equal(await a.tryAcquire(), false, 'the old holder does not get it back');
    await a.release();
    assert.equal(await redis.client.exists(`${prefix}lease:short`), 1, "a's release left b's lease alone");
    const ttl = await redis.client.pttl(`${prefix}lease:short`);
    assert.ok(ttl > 0 && ttl <= 30_000, `the lease ends by itself (PTTL ${ttl})`);
  });
});

describe('Redis lease when Redis does not answer', () => {
  test('holds locally (every bridge runs the job, as without Redis), says so, and logs once', async () => {
    // A port that accepts nothing: listen, note the port, close.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const redis = openSharedRedis({ url: `redis://:hunter2@127.0.0.1:${port}/0`, logger, prefix: 'x:' });
    try {
      const lease = createRedisLease({ name: 'watcher', ttlMs: 1000, redis });
      assert.equal(await lease.tryAcquire(), true);
      assert.equal(await lease.tryAcquire(), true);
      assert.deepEqual(lease.status(), { name: 'watcher', mode: 'redis-unreachable', held: true });
      const waiting = createRedisLease({ name: 'watcher', ttlMs: 1000, redis, whenUnreachable: 'wait' });
      assert.equal(await waiting.tryAcquire(), false);
      const unreachable = lines.filter((line) => line.msg.startsWith('Redis unreachable'));
      assert.equal(unreachable.length, 1, JSON.stringify(lines));
      assert.equal(redis.status().reachable, false);
      assert.ok(!JSON.stringify(lines).includes('hunter2'), 'the password is not logged');
    } finally {
      await redis.close();
    }
  });

  test('the URL shown in logs hides the password', () => {
    assert.equal(
      redactedRedisUrl('rediss://user:s3cret@redis.example:6380/2'),
      'rediss://user:***@redis.example:6380/2',
    );
  });
});
