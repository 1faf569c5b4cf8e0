/**
 * Redis for tests of what bridge replicas share: each test gets its own random key prefix,
 * and `drop` removes every key under it afterwards, so tests never see each other's keys.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { openSharedRedis, type SharedRedis } from '../../src/bridge/shared-redis.ts';
import { TEST_REDIS_URL } from './requirements.ts';
import { closedPort } from './smtp-sink.ts';

export function testRedisPrefix(): string {
  return `scimbridge-test:${randomBytes(6).toString('hex')}:`;
}

/** A URL where no Redis answers (a refused loopback port), with a password that must never be logged. */
export async function deadRedisUrl(): Promise<string> {
  return `redis://:not-the-password@127.0.0.1:${await closedPort()}/0`;
}

/** Every key under `prefix`, deleted. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = openSharedRedis({ url: TEST_REDIS_URL, logger: pino({ level: 'silent' }), prefix });
  try {
    await redis.ready();
    const keys = await redis.client.keys(`${prefix}*`);
    if (keys.length > 0) await redis.client.del(...keys);
  } finally {
    await redis.close();
  }
}

/** Keys under `prefix` with their values (strings, hashes and sets as text), to check what Redis holds. */
export async function redisContents(prefix: string): Promise<Map<string, string>> {
  const redis = openSharedRedis({ url: TEST_REDIS_URL, logger: pino({ level: 'silent' }), prefix });
  try {
    await redis.ready();
    const contents = new Map<string, string>();
    for (const key of await redis.client.keys(`${prefix}*`)) {
      const type = await redis.client.type(key);
      const value =
        type === 'string'
          ? await redis.client.get(key)
          : type === 'hash'
            ? JSON.stringify(await redis.client.hgetall(key))
            : type === 'set'
              ? JSON.stringify(await redis.client.smembers(key))
              : type;
      contents.set(key, value ?? '');
    }
    return contents;
  } finally {
    await redis.close();
  }
}

/** Two connections under one new prefix, as two bridges would have; `close` also drops the keys. */
export function twoTestRedis(url = TEST_REDIS_URL): {
  prefix: string;
  a: SharedRedis;
  b: SharedRedis;
  close(): Promise<void>;
} {
  const prefix = testRedisPrefix();
  const quiet = pino({ level: 'silent' });
  const a = openSharedRedis({ url, logger: quiet, prefix });
  const b = openSharedRedis({ url, logger: quiet, prefix });
  return {
    prefix,
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      if (url === TEST_REDIS_URL) await dropRedisKeys(prefix);
    },
  };
}
