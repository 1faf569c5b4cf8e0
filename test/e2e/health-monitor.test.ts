/**
 * The health monitor in the running system (P7): turned on by a setting, it checks the real
 * bridge's /health with a monitoring token; turned off, nothing runs; and the offline and
 * back-online notices reach a real SMTP server through the outbox and the mail sender.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import pino from 'pino';
import { HealthMonitor, MONITOR_DEFAULTS } from '../../src/account/monitor/health-monitor.ts';
import { createMonitoringToken, generateMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { startAccountService, startBridgeService } from '../../src/main.ts';
import { freePort } from '../support/processes.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { startTestSystem } from '../support/system.ts';

async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('health monitor in the running system', () => {
  test('off by default: no monitor runs', async () => {
    const sys = await startTestSystem();
    try {
      assert.equal(sys.system.monitor, undefined);
    } finally {
      await sys.close();
    }
  });

  test('turned on, it checks the bridge with its own in-memory monitoring token, and the bridge answers', async () => {
    const port = await freePort();
    const bridgeUrl = `http://127.0.0.1:${port}`;
    const sys = await startTestSystem({
      env: {
        SCIMBRIDGE_BRIDGE_PORT: String(port),
        SCIMBRIDGE_MONITOR: 'true',
        SCIMBRIDGE_MONITOR_BRIDGES: bridgeUrl,
        SCIMBRIDGE_MONITOR_INTERVAL: '5',
      },
    });
    try {
      assert.ok(sys.system.monitor);
      const record = await waitFor(async () => {
        const found = await sys.store.getBridgeHealth(bridgeUrl);
        return found?.lastCheckAt ? found : undefined;
      });
      assert.equal(record.state, 'online', record.lastError ?? '');
      // The bridge answered with its report (which parts are OK depends on timing: the test
      // system writes the session file right after start).
      assert.match(record.reportedStatus ?? '', /^(ok|degraded|failing)$/);
      assert.ok(sys.logLines.some((line) => JSON.parse(line).msg === 'health monitor started'));
    } finally {
      await sys.close();
    }
  });

  test('a bridge that stops answering is reported offline, and the owners get a notice in the outbox', async () => {
    const sys = await startTestSystem();
    const deps = { store: sys.store, clock: systemClock, ids: randomIds };
    try {
      const { token } = await createMonitoringToken(deps, 'health monitor');
      sys.secrets.add(token);
      const monitor = new HealthMonitor(
        { ...deps, logger: pino({ level: 'silent' }) },
        {
          ...MONITOR_DEFAULTS,
          bridgeUrls: [sys.system.bridgeAddress],
          failuresBeforeOffline: 2,
          minNoticeIntervalMs: 0,
          token,
          accountName: 'My Team',
        },
      );
      assert.equal((await monitor.checkAll())[0]!.state, 'online');
      await sys.system.bridge.close();
      await monitor.checkAll();
      const [record] = await monitor.checkAll();
      assert.equal(record!.state, 'offline');
      assert.match(record!.lastError ?? '', /ECONNREFUSED/);
      const notices = (await sys.store.listMail({ limit: 10 })).filter(
        (mail) => mail.template === 'bridge_offline',
      );
      assert.equal(notices.length, 1);
      assert.equal(notices[0]!.to, 'owner@example.com');
      assert.equal(notices[0]!.data.bridgeUrl, sys.system.bridgeAddress);
    } finally {
      await sys.close();
    }
  });

  test('offline and back-online e-mails arrive at a real SMTP server, once each', async () => {
    const sink = await startSmtpSink();
    const sys = await startTestSystem({
      env: {
        SCIMBRIDGE_SMTP_URL: sink.url,
        SCIMBRIDGE_SMTP_REQUIRE_TLS: 'false',
        SCIMBRIDGE_MAIL_FROM: 'Team <accounts@example.com>',
      },
    });
    // A stand-in bridge whose /health can be switched off, and a clock the test moves (kept
    // in the past, so every queued notice is due for the real sender at once).
    let up = true;
    const token = generateMonitoringToken();
    const bridge = createHttpServer((request, response) => {
      if (!up || request.headers.authorization !== `Bearer ${token}`) return request.socket.destroy();
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
    const bridgeUrl = `http://127.0.0.1:${(bridge.address() as { port: number }).port}`;
    let now = Date.now() - 3 * 60 * 60_000;
    const monitor = new HealthMonitor(
      {
        store: sys.store,
        clock: { now: () => new Date(now) },
        ids: randomIds,
        logger: pino({ level: 'silent' }),
      },
      {
        ...MONITOR_DEFAULTS,
        bridgeUrls: [bridgeUrl],
        timeoutMs: 2000,
        token,
        accountName: 'My Team',
      },
    );
    const round = async (isUp: boolean) => {
      up = isUp;
      now += 60_000;
      return (await monitor.checkAll())[0]!;
    };
    try {
      await round(true);
      for (let i = 0; i < 3; i++) await round(false);
      await sink.waitFor(1);
      const offline = sink.received[0]!;
      assert.deepEqual(offline.envelopeTo, ['owner@example.com']);
      assert.equal(offline.subject, 'The provisioning bridge of My Team is offline');
      assert.match(offline.text, new RegExp(`at ${bridgeUrl.replace(/[.]/g, '\\.')}, has not answered`));
      assert.match(offline.text, /Last error: cannot connect/);

      now += 31 * 60_000; // past the least time between two notices
      await round(true);
      const back = await round(true);
      assert.equal(back.state, 'online');
      await sink.waitFor(2);
      assert.equal(sink.received[1]!.subject, 'The provisioning bridge of My Team is back online');
      // Nothing else is on its way: one notice per change.
      await round(true);
      assert.equal(
        (await sys.store.listMail({ limit: 20 })).filter((mail) => mail.template.startsWith('bridge_'))
          .length,
        2,
      );
      for (const mail of sink.received)
        assert.ok(!mail.raw.includes(token), 'a notice holds the monitoring token');
    } finally {
      await new Promise<void>((resolve) => bridge.close(() => resolve()));
      await sys.close();
      await sink.close();
    }
  });

  test('split services: the account server checks a separate bridge that accepts SCIMBRIDGE_MONITOR_TOKEN', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-split-monitor-'));
    const port = await freePort();
    const token = generateMonitoringToken();
    const config = loadConfig({
      SCIMBRIDGE_DATA_DIR: dataDir,
      SCIMBRIDGE_CONSOLE_PORT: '0',
      SCIMBRIDGE_BRIDGE_PORT: String(port),
      SCIMBRIDGE_MONITOR: 'true',
      SCIMBRIDGE_MONITOR_INTERVAL: '5',
      SCIMBRIDGE_MONITOR_BRIDGES: `http://127.0.0.1:${port}`,
      SCIMBRIDGE_MONITOR_TOKEN: token,
    });
    const logger = pino({ level: 'silent' });
    const bridge = await startBridgeService(config, { logger });
    const account = await startAccountService(config, { logger });
    try {
      const record = await waitFor(async () => {
        const found = await account.store.getBridgeHealth(`http://127.0.0.1:${port}`);
        return found?.lastCheckAt ? found : undefined;
      });
      assert.equal(record.state, 'online', record.lastError ?? '');
      // The same token opens nothing else on the bridge.
      const scim = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(scim.status, 401);
    } finally {
      await account.close();
      await bridge.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
