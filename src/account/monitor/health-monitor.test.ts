/**
 * The health monitor's state machine against a real HTTP server standing in for a bridge's
 * /health, with a clock that moves only when told: offline after N failures, back after M
 * successes, notices to the recipients (or the owners), and no storms when a bridge flaps.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import { type Fixture, openFixture } from '../../../test/support/account-fixture.ts';
import { generateMonitoringToken } from '../monitoring-tokens.ts';
import { HealthMonitor, type HealthMonitorSettings } from './health-monitor.ts';
import { setMonitoringSwitch } from './monitoring-switch.ts';
import { setNotificationRecipients } from './notification-recipients.ts';

type Mode = 'up' | 'error' | 'hangup';

describe('health monitor', () => {
  const token = generateMonitoringToken();
  let server: Server;
  let bridgeUrl: string;
  let mode: Mode = 'up';
  let seenAuthorization: string | undefined;
  let requests = 0;
  let fx: Fixture;
  const logged: string[] = [];

  before(async () => {
    server = createServer((request, response) => {
      seenAuthorization = request.headers.authorization;
      requests++;
      if (request.url !== '/health') return response.writeHead(404).end();
      if (request.headers.authorization !== `Bearer ${token}`) return response.writeHead(401).end('{}');
      if (mode === 'hangup') return request.socket.destroy();
      if (mode === 'error') return response.writeHead(503).end('{}');
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'degraded' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    bridgeUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(async () => {
    fx = await openFixture();
    mode = 'up';
    logged.length = 0;
  });
  afterEach(async () => {
    await fx.close();
  });

  const monitor = (overrides: Partial<HealthMonitorSettings> = {}) =>
    new HealthMonitor(
      {
        ...fx.deps,
        logger: pino({ level: 'info' }, { write: (line: string) => logged.push(line) }),
      },
      {
        bridgeUrls: [bridgeUrl],
        intervalMs: 60_000,
        timeoutMs: 2_000,
        failuresBeforeOffline: 3,
        successesBeforeOnline: 2,
        minNoticeIntervalMs: 30 * 60_000,
        token,
        accountName: 'Acme',
        ...overrides,
      },
    );
  const bridgeMail = async () =>
    (await fx.mail()).filter(
      (mail) => mail.template === 'bridge_offline' || mail.template === 'bridge_online',
    );
  const check = async (m: HealthMonitor, next: Mode, minutes = 1) => {
    mode = next;
    fx.advance(minutes * 60_000);
    return m.checkBridge(bridgeUrl);
  };

  test('a healthy bridge is online with its reported status, and nobody is e-mailed', async () => {
    const m = monitor();
    const record = await check(m, 'up');
    assert.equal(seenAuthorization, `Bearer ${token}`);
    assert.equal(record.state, 'online');
    assert.equal(record.reportedStatus, 'degraded');
    assert.deepEqual(await bridgeMail(), []);
    assert.deepEqual(await fx.deps.store.getBridgeHealth(bridgeUrl), record);
  });

  test('offline after three failures in a row: one notice to the owners, with the cause', async () => {
    const m = monitor();
    await check(m, 'up');
    assert.equal((await check(m, 'error')).state, 'online');
    assert.equal((await check(m, 'hangup')).state, 'online');
    assert.deepEqual(await bridgeMail(), []);
    const offline = await check(m, 'error');
    assert.equal(offline.state, 'offline');
    assert.equal(offline.consecutiveFailures, 3);
    const mail = await bridgeMail();
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.to, 'owner@acme.test', 'no recipients configured: the owners');
    assert.equal(mail[0]!.template, 'bridge_offline');
    assert.deepEqual(mail[0]!.data, {
      accountName: 'Acme',
      bridgeUrl,
      since: offline.lastOkAt,
      detail: 'the bridge answered HTTP 503 on /health',
    });
    // Staying down is not news.
    await check(m, 'hangup');
    await check(m, 'error', 45);
    assert.equal((await bridgeMail()).length, 1);
    assert.ok(logged.some((line) => JSON.parse(line).msg === 'bridge is offline'));
  });

  test('back online takes two good checks, then the recipients hear it once', async () => {
    await setNotificationRecipients(fx.deps, ['ops@acme.test', 'oncall@acme.test']);
    const m = monitor();
    await check(m, 'up');
    for (let i = 0; i < 3; i++) await check(m, 'error');
    assert.deepEqual(
      (await bridgeMail()).map((mail) => `${mail.template} ${mail.to}`),
      ['bridge_offline ops@acme.test', 'bridge_offline oncall@acme.test'],
    );
    fx.advance(40 * 60_000);
    assert.equal((await check(m, 'up')).state, 'offline', 'one good check is not enough');
    const back = await check(m, 'up');
    assert.equal(back.state, 'online');
    const online = (await bridgeMail()).filter((mail) => mail.template === 'bridge_online');
    assert.deepEqual(
      online.map((mail) => mail.to),
      ['ops@acme.test', 'oncall@acme.test'],
    );
    assert.deepEqual(online[0]!.data, { accountName: 'Acme', bridgeUrl, since: back.changedAt });
  });

  test('a flapping bridge sends at most one notice per interval, and the last one tells the truth', async () => {
    const m = monitor({ failuresBeforeOffline: 1, successesBeforeOnline: 1 });
    await check(m, 'up');
    // Down and up every minute for two hours: 120 state changes.
    for (let minute = 0; minute < 120; minute++) await check(m, minute % 2 === 0 ? 'error' : 'up');
    const notices = await bridgeMail();
    // One every 30 minutes at most: 4 in two hours (120 / 30), plus none extra.
    assert.ok(notices.length <= 4, `${notices.length} notices`);
    assert.ok(notices.length >= 2);
    // Notices alternate, so the recipients' picture flips only with the truth.
    for (let i = 1; i < notices.length; i++) assert.notEqual(notices[i]!.template, notices[i - 1]!.template);
    // It ends up: after staying down, the last notice says offline.
    for (let i = 0; i < 5; i++) await check(m, 'error', 10);
    const last = (await bridgeMail()).at(-1)!;
    assert.equal(last.template, 'bridge_offline');
  });

  test('a held-back notice is sent once the interval has passed', async () => {
    const m = monitor({ failuresBeforeOffline: 1, successesBeforeOnline: 1 });
    await check(m, 'up');
    await check(m, 'error'); // offline notice at t
    await check(m, 'up'); // back at t+1 min: online notice held back
    assert.deepEqual(
      (await bridgeMail()).map((mail) => mail.template),
      ['bridge_offline'],
    );
    await check(m, 'up', 10);
    assert.equal((await bridgeMail()).length, 1);
    await check(m, 'up', 25); // 36 minutes after the first notice
    assert.deepEqual(
      (await bridgeMail()).map((mail) => mail.template),
      ['bridge_offline', 'bridge_online'],
    );
  });

  test('a refused monitoring token is a failure that says how to fix it', async () => {
    const m = monitor({ token: generateMonitoringToken() });
    const record = await check(m, 'up');
    assert.equal(record.consecutiveFailures, 1);
    assert.match(
      record.lastError ?? '',
      /refused the monitoring token \(HTTP 401\).*monitoring token create/,
    );
    for (const line of logged) assert.ok(!line.includes(token), 'the token reached the log');
  });

  test('an unreachable bridge names the connection error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const m = new HealthMonitor(
      { ...fx.deps, logger: pino({ level: 'silent' }) },
      {
        bridgeUrls: [`http://127.0.0.1:${closedPort}`],
        intervalMs: 60_000,
        timeoutMs: 2_000,
        failuresBeforeOffline: 1,
        successesBeforeOnline: 1,
        minNoticeIntervalMs: 0,
        token,
        accountName: 'Acme',
      },
    );
    const [record] = await m.checkAll();
    assert.equal(record!.state, 'offline');
    assert.match(record!.lastError ?? '', /ECONNREFUSED/);
  });

  test('switched off, a round checks nothing and e-mails nobody; on again, it checks', async () => {
    const m = monitor({ failuresBeforeOffline: 1, minNoticeIntervalMs: 0 });
    mode = 'error';
    await setMonitoringSwitch(fx.deps, false);
    const before = requests;
    fx.advance(60_000);
    assert.deepEqual(await m.checkAll(), []);
    fx.advance(60_000);
    assert.deepEqual(await m.checkAll(), []);
    assert.equal(requests, before, 'no request reached the bridge');
    assert.equal(await fx.deps.store.getBridgeHealth(bridgeUrl), undefined);
    assert.deepEqual(await bridgeMail(), []);
    assert.ok(logged.some((line) => line.includes('health monitor is switched off')));

    await setMonitoringSwitch(fx.deps, true);
    fx.advance(60_000);
    const [record] = await m.checkAll();
    assert.equal(requests, before + 1);
    assert.equal(record!.state, 'offline');
    assert.equal((await bridgeMail()).length, 1, 'the owners hear about the bridge that is down');
  });

  test('start checks at once and on the interval; stop ends it', async () => {
    const m = monitor({ intervalMs: 20 });
    const before = requests;
    m.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await m.stop();
    assert.equal((await fx.deps.store.getBridgeHealth(bridgeUrl))?.state, 'online');
    const made = requests - before;
    assert.ok(made >= 2, `${made} checks in 150 ms at a 20 ms interval`);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(requests - before, made, 'no check after stop');
  });
});
