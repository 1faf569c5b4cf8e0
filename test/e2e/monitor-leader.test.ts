/**
 * Two account servers on one PostgreSQL (issue 13): one leads the health monitor, so an
 * incident costs one "offline" and one "back online" e-mail however many servers check;
 * when the leader's connection goes (the server died), the other leads from its next round.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { HealthMonitor, MONITOR_DEFAULTS } from '../../src/account/monitor/health-monitor.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { needsPostgres, TEST_DATABASE_URL } from '../support/requirements.ts';
import { startTestSystem } from '../support/system.ts';

describe('health monitor across account servers', needsPostgres, () => {
  test('one leads: one offline and one online e-mail per incident; the other takes over when it dies', async () => {
    const sys = await startTestSystem({ db: 'postgres' });
    const stores = [
      await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: sys.schema! }),
      await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: sys.schema! }),
    ];
    try {
      let bridgeUp = false;
      const fakeBridge: typeof fetch = async () => {
        if (!bridgeUp)
          throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
        return new Response(JSON.stringify({ status: 'ok' }), { status: 200 });
      };
      const lines: Array<{ msg: string }> = [];
      const monitors = stores.map(
        (store, n) =>
          new HealthMonitor(
            {
              store,
              clock: systemClock,
              ids: randomIds,
              fetch: fakeBridge,
              logger: pino(
                { level: 'info', base: { server: n } },
                { write: (line: string) => lines.push(JSON.parse(line)) },
              ),
            },
            {
              ...MONITOR_DEFAULTS,
              minNoticeIntervalMs: 0,
              bridgeUrls: ['https://bridge.test'],
              token: `sbm_${'a'.repeat(43)}`,
              accountName: 'Test',
            },
          ),
      );
      const rounds = async (count: number) => {
        for (let n = 0; n < count; n++) await Promise.all(monitors.map((monitor) => monitor.checkAll()));
      };
      const notices = async () =>
        (await sys.store.listMail({ limit: 100 }))
          .filter((mail) => mail.template === 'bridge_offline' || mail.template === 'bridge_online')
          .map((mail) => mail.template);

      await rounds(5);
      assert.deepEqual(await notices(), ['bridge_offline'], 'one offline notice for one incident');
      bridgeUp = true;
      await rounds(4);
      assert.deepEqual((await notices()).sort(), ['bridge_offline', 'bridge_online']);
      const leading = lines.filter((line) =>
        line.msg.startsWith('health monitor: this account server leads'),
      );
      const standing = lines.filter((line) =>
        line.msg.startsWith('health monitor: another account server leads'),
      );
      assert.equal(leading.length, 1);
      assert.equal(standing.length, 1);

      // The leader dies: its connections close, PostgreSQL frees the lock, the other leads.
      const leader = (leading[0] as unknown as { server: number }).server;
      await stores[leader]!.close();
      const survivor = monitors[1 - leader]!;
      bridgeUp = false;
      for (let n = 0; n < 3; n++) await survivor.checkAll();
      assert.deepEqual((await notices()).sort(), ['bridge_offline', 'bridge_offline', 'bridge_online']);
      assert.ok(
        lines.some(
          (line) =>
            line.msg.startsWith('health monitor: this account server leads') &&
            (line as unknown as { server: number }).server === 1 - leader,
        ),
      );
    } finally {
      for (const store of stores) await store.close().catch(() => {});
      await sys.close();
    }
  });
});
