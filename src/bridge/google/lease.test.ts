import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { needsRedis, TEST_REDIS_URL } from '../../../test/support/requirements.ts';
import { openSharedRedis } from '../shared-redis.ts';
import { createSharedSyncLease } from './lease.ts';

describe('the Google sync lease shared through Redis', needsRedis, () => {
  const prefix = `scimbridge-test:${randomBytes(6).toString('hex')}:`;
  const redis = openSharedRedis({ url: TEST_REDIS_URL, logger: pino({ level: 'silent' }), prefix });
  after(async () => {
    await redis.ready();
    const keys = await redis.client.keys(`${prefix}*`);
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.close();
  });

  test('two bridges: one leads the sync; the other leads once it is released', async () => {
    const first = createSharedSyncLease(redis);
    const second = createSharedSyncLease(redis);
    assert.equal(await first.acquire('bridge-a', 60_000), true);
    assert.equal(await second.acquire('bridge-b', 60_000), false, 'the other bridge waits');
    assert.equal(await first.acquire('bridge-a', 60_000), true, 'the leader renews');
    await second.release('bridge-b');
    assert.equal(
      await first.acquire('bridge-a', 60_000),
      true,
      'releasing a lease it never held changes nothing',
    );
    await first.release('bridge-a');
    assert.equal(await second.acquire('bridge-b', 60_000), true, 'released: the other leads at once');
    assert.ok(await redis.client.get(`${prefix}lease:google-sync`), 'the lease is one shared key');
  });
});
