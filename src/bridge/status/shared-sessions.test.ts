import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deadRedisUrl, redisContents, twoTestRedis } from '../../../test/support/redis.ts';
import { needsRedis } from '../../../test/support/requirements.ts';
import { sessionDigest } from './sessions.ts';
import { createRedisPageSessions } from './shared-sessions.ts';

const clock = { ms: Date.now(), now: () => new Date(clock.ms) };

describe('status-page sessions shared through Redis', needsRedis, () => {
  const redis = twoTestRedis();
  after(() => redis.close());
  const a = createRedisPageSessions({ redis: redis.a, clock, lifetimeMs: 60_000 });
  const b = createRedisPageSessions({ redis: redis.b, clock, lifetimeMs: 60_000 });

  test('made on A, valid on B; ended on A, ended on B', async () => {
    const session = await a.create('key-1');
    assert.equal(session.maxAgeSeconds, 60);
    assert.equal(await b.keyIdOf(session.id), 'key-1');
    assert.equal(await b.keyIdOf(`${session.id}x`), undefined);
    await a.end(session.id);
    assert.equal(await b.keyIdOf(session.id), undefined);
    assert.equal(await a.keyIdOf(session.id), undefined, 'A’s own copy does not overrule Redis');
  });

  test('Redis holds only a digest of the id and the key id, under a TTL of the lifetime', async () => {
    const session = await a.create('key-2');
    const contents = await redisContents(redis.prefix);
    for (const [key, value] of contents) {
      assert.ok(!key.includes(session.id) && !value.includes(session.id), `${key} does not hold the id`);
    }
    const key = `${redis.prefix}status-session:${sessionDigest(session.id)}`;
    assert.ok(contents.has(key));
    const ttl = await redis.a.client.pttl(key);
    assert.ok(ttl > 0 && ttl <= 60_000, `TTL ${ttl}`);
  });

  test('a key the account refuses ends its sessions on every bridge; others stay', async () => {
    const old1 = await a.create('old');
    const old2 = await b.create('old');
    const fresh = await a.create('new');
    await b.endKey('old');
    assert.equal(await a.keyIdOf(old1.id), undefined);
    assert.equal(await a.keyIdOf(old2.id), undefined);
    assert.equal(await b.keyIdOf(fresh.id), 'new');
  });

  test('past its lifetime by the bridge’s clock, a session is over', async () => {
    const session = await a.create('key-3');
    clock.ms += 60_001;
    try {
      assert.equal(await b.keyIdOf(session.id), undefined);
    } finally {
      clock.ms -= 60_001;
    }
  });
});

describe('status-page sessions with Redis down', () => {
  test('sessions work on the bridge that made them, and only there', async () => {
    const redis = twoTestRedis(await deadRedisUrl());
    try {
      const a = createRedisPageSessions({ redis: redis.a, clock });
      const b = createRedisPageSessions({ redis: redis.b, clock });
      const session = await a.create('key-1');
      assert.equal(await a.keyIdOf(session.id), 'key-1');
      assert.equal(await b.keyIdOf(session.id), undefined);
      await a.end(session.id);
      assert.equal(await a.keyIdOf(session.id), undefined);
    } finally {
      await redis.close();
    }
  });
});
