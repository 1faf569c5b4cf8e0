import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deadRedisUrl, redisContents, twoTestRedis } from '../../test/support/redis.ts';
import { needsRedis } from '../../test/support/requirements.ts';
import { DEFAULT_IDP_CYCLES } from './idp-cycles.ts';
import { createRedisRequestRecords } from './shared-request-record.ts';

const HOUR = 3_600_000;
const clock = { ms: Date.UTC(2026, 0, 5, 10, 30), now: () => new Date(clock.ms) };
const cycleOf = (idp: keyof typeof DEFAULT_IDP_CYCLES) => DEFAULT_IDP_CYCLES[idp];

describe('request records shared through Redis', needsRedis, () => {
  const redis = twoTestRedis();
  after(() => redis.close());
  const a = createRedisRequestRecords({ redis: redis.a, clock, cycleOf });
  const b = createRedisRequestRecords({ redis: redis.b, clock, cycleOf });

  test('what A and B answered shows on both: last request, last error answer, totals, the last day', async () => {
    assert.deepEqual(await b.lastPerIdp(), [], 'nothing yet');
    clock.ms -= 2 * HOUR;
    a.add({ idp: 'entra', operation: 'createUser', status: 201, ms: 4 });
    await a.flush();
    clock.ms += 2 * HOUR;
    a.add({ idp: 'entra', operation: 'getUser', status: 404, ms: 2, detail: 'no user with id x' });
    b.add({ idp: 'entra', operation: 'listUsers', status: 200, ms: 3 });
    b.add({ idp: 'okta', operation: 'patchUser', status: 401, ms: 1, detail: 'wrong token' });
    await Promise.all([a.flush(), b.flush()]);

    const seenByA = await a.lastPerIdp();
    assert.deepEqual(seenByA, await b.lastPerIdp(), 'both bridges show the same');
    const entra = seenByA!.find((idp) => idp.idp === 'entra')!;
    assert.equal(entra.operation, 'listUsers');
    assert.equal(entra.total, 3);
    assert.deepEqual(entra.lastFailure, {
      at: new Date(clock.ms).toISOString(),
      operation: 'getUser',
      status: 404,
      detail: 'no user with id x',
    });
    assert.deepEqual(entra.activity.lastDay, {
      answered: 2,
      unauthorized: 0,
      client_error: 1,
      server_error: 0,
    });
    assert.equal(entra.activity.cycleMinutes, 40);
    const okta = seenByA!.find((idp) => idp.idp === 'okta')!;
    assert.equal(okta.activity.lastDay.unauthorized, 1);
  });

  test('an hour bucket ends a day later; Redis holds no request content beyond the error detail', async () => {
    const contents = await redisContents(redis.prefix);
    const hourKeys = [...contents.keys()].filter((key) => key.includes(':hour:'));
    assert.ok(hourKeys.length >= 2);
    for (const key of hourKeys) {
      const ttl = await redis.a.client.pttl(key);
      assert.ok(ttl > 24 * HOUR && ttl <= 25 * HOUR, `${key}: ${ttl}`);
    }
    clock.ms += 25 * HOUR;
    try {
      const entra = (await a.lastPerIdp())!.find((idp) => idp.idp === 'entra')!;
      assert.deepEqual(entra.activity.lastDay, {
        answered: 0,
        unauthorized: 0,
        client_error: 0,
        server_error: 0,
      });
      assert.equal(entra.activity.overdue, true, 'silent for longer than its 40-minute cycle');
    } finally {
      clock.ms -= 25 * HOUR;
    }
  });
});

describe('request records with Redis down', () => {
  test('adding never throws nor waits; reading says "not shared" (undefined) at once', async () => {
    const redis = twoTestRedis(await deadRedisUrl());
    try {
      const a = createRedisRequestRecords({ redis: redis.a, clock, cycleOf });
      a.add({ idp: 'entra', operation: 'getUser', status: 200, ms: 1 });
      await a.flush();
      assert.equal(await a.lastPerIdp(), undefined);
    } finally {
      await redis.close();
    }
  });
});
