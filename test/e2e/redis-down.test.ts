/**
 * Bridges with SCIMBRIDGE_REDIS_URL whose Redis does not answer (issue 13): never an
 * outage. The bridge serves the IdP, runs the provision watcher itself, logs one clear line
 * and shows the status page's "Replicas" part as a warning; with Redis up the part says so.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { createMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { needsRedis, TEST_REDIS_URL } from '../support/requirements.ts';
import { signUp } from '../support/sign-up.ts';
import { healthWhen, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

/** The watcher may still be asking for its lease: run it until the member is active (bounded). */
async function confirmedWithin(
  sys: Awaited<ReturnType<typeof startTestSystem>>,
  memberId: string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await sys.store.getMember(memberId))?.state !== 'active') {
    assert.ok(Date.now() < deadline, 'confirmed within 30 s');
    await sys.system.watcher.runNow();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The IdP pushes a user who signs up; the watcher confirms them (bounded wait). */
async function confirmedMember(sys: TestSystem, userName: string): Promise<void> {
  const created = await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName });
  assert.equal(created.status, 201, created.text);
  await signUp(sys.store, created.body.id);
  await confirmedWithin(sys, created.body.id);
}

/** /health, read with a monitoring token, once its Replicas part has `label`. */
async function healthWithReplicas(sys: TestSystem, label: string) {
  const monitoring = await createMonitoringToken(
    { store: sys.store, clock: systemClock, ids: randomIds },
    'test',
  );
  sys.secrets.add(monitoring.token);
  return healthWhen(sys, monitoring.token, (r) => r.parts.replicas.label === label);
}

describe('Redis down', () => {
  test('the bridge carries on alone: SCIM answers, members are confirmed, one log line, a warning on /health', async () => {
    const port = await closedPort();
    const sys = await startTestSystem({
      env: {
        SCIMBRIDGE_REDIS_URL: `redis://:not-the-password@127.0.0.1:${port}/0`,
        SCIMBRIDGE_REDIS_PREFIX: `t${randomIds()}:`,
      },
    });
    sys.secrets.add('not-the-password');
    try {
      // The watcher's lease could not be asked: it runs anyway, as a bridge without Redis does.
      await confirmedMember(sys, 'alone@example.com');
      const report = await healthWithReplicas(sys, 'Redis unreachable');
      assert.equal(report.parts.replicas.status, 'warning');
      assert.match(report.parts.replicas.action, /SCIMBRIDGE_REDIS_URL/);
      assert.equal(report.parts.watcher.status, 'ok');
      const down = sys.logLines.filter((line) => line.includes('Redis unreachable'));
      assert.equal(down.length, 1, down.join('\n'));
      assert.match(down[0]!, /this bridge carries on alone/);
      assert.ok(!down[0]!.includes('not-the-password'), 'the password is never logged');
    } finally {
      await sys.close();
    }
  });

  test(
    'with Redis up, the part says the replicas share through it and this bridge holds the lease',
    needsRedis,
    async () => {
      const sys = await startTestSystem({
        env: { SCIMBRIDGE_REDIS_URL: TEST_REDIS_URL, SCIMBRIDGE_REDIS_PREFIX: `t${randomIds()}:` },
      });
      try {
        await confirmedMember(sys, 'shared@example.com');
        const report = await healthWithReplicas(sys, 'Redis connected');
        assert.equal(report.parts.replicas.status, 'ok');
        assert.ok(sys.logLines.some((line) => line.includes('this bridge holds the lease')));
        assert.ok(!sys.logLines.some((line) => line.includes('Redis unreachable')));
      } finally {
        await sys.close();
      }
    },
  );
});
