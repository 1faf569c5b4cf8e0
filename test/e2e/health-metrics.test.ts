/**
 * /ping, /health and /metrics (P7) over real HTTP, and the monitoring token: it reads
 * /health and /metrics and nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deactivateProvisioning } from '../../src/account/deactivate-provisioning.ts';
import { createMonitoringToken, revokeMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import {
  healthWhen as healthWhenReady,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

describe('health and metrics', () => {
  let sys: TestSystem;
  let monitoringToken: string;
  let tokenId: string;
  const deps = () => ({ store: sys.store, clock: systemClock, ids: randomIds });
  const bridge = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${sys.system.bridgeAddress}${path}`, {
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
    });

  // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
  const healthWhen = (ready: (report: any) => boolean) => healthWhenReady(sys, monitoringToken, ready);

  before(async () => {
    sys = await startTestSystem();
    const created = await createMonitoringToken(deps(), 'prometheus');
    monitoringToken = created.token;
    tokenId = created.record.id;
    sys.secrets.add(monitoringToken);
  });
  after(async () => {
    await sys.close();
  });

  test('/ping needs nothing; /health and /metrics refuse a request without a token', async () => {
    const ping = await bridge('/ping');
    assert.equal(ping.status, 200);
    assert.equal(await ping.text(), 'pong');
    for (const path of ['/health', '/metrics']) {
      const response = await bridge(path);
      assert.equal(response.status, 401, path);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.match((await response.json()).error, /monitoring token/);
    }
    assert.equal((await bridge('/health', 'sbm_notarealtokenxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')).status, 401);
  });

  test('/health with the monitoring token reports every part with a timestamp', async () => {
    const response = await bridge('/health', monitoringToken);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const report = await response.json();
    assert.ok(Date.parse(report.checkedAt) > 0);
    assert.deepEqual(Object.keys(report.parts).sort(), [
      'account',
      'credentials',
      'provisioning',
      'replicas',
      'requests',
      'version',
      'watcher',
    ]);
    for (const part of Object.values(report.parts) as Array<{
      checkedAt: string;
      status: string;
      label: string;
    }>) {
      assert.ok(Date.parse(part.checkedAt) > 0);
      assert.match(part.status, /^(ok|warning|problem|unknown)$/);
      assert.ok(part.label.length > 0);
    }
    if (process.env.SCIMBRIDGE_TEST_TRANSPORT === 'http') {
      // Over the account API the bridge signs in with keys that no token has unlocked yet;
      // whether the account answers at all is still known (its /ping).
      assert.equal(report.parts.account.label, 'Reachable');
      assert.match(report.parts.account.detail, /once a valid bearer token unlocks its keys/);
    } else {
      assert.equal(report.parts.account.label, 'Connected');
      assert.equal(report.parts.provisioning.label, 'On');
    }
    // No IdP request since start, and nobody signed in: the keys are still locked (P11).
    assert.equal(report.parts.credentials.unlocked, false);
    assert.equal(report.parts.credentials.label, 'Waiting for the token');
    assert.equal(report.parts.watcher.label, 'Waiting for the token');
    assert.equal(report.parts.version.label, '0.1.0');
    assert.equal(report.parts.replicas.label, 'This bridge alone');
    assert.equal(report.status, 'degraded');
  });

  test('signing in on the status page unlocks the credentials, as an IdP request would (P11)', async () => {
    const signIn = await fetch(`${sys.system.bridgeAddress}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: sys.token }).toString(),
      redirect: 'manual',
    });
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    assert.match(
      cookie,
      /^scimbridge_status=sbs_[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/,
    );
    sys.secrets.add(cookie.split(';')[0]!.split('=')[1]!);
    const report = await (await bridge('/health', monitoringToken)).json();
    assert.equal(report.parts.credentials.unlocked, true);
    assert.equal(report.parts.credentials.label, 'Valid');
  });

  test('the IdP bearer token reads /health too', async () => {
    const report = await (await bridge('/health', sys.token)).json();
    assert.equal(report.parts.credentials.unlocked, true);
    assert.equal(report.parts.credentials.label, 'Valid');
  });

  test('the monitoring token opens nothing else: SCIM, the log download', async () => {
    for (const path of ['/scim/v2/Users', '/scim/v2/ServiceProviderConfig', '/scim/v2/Groups']) {
      const response = await bridge(path, monitoringToken);
      assert.equal(response.status, 401, path);
      assert.match((await response.json()).detail, /does not hold a scimbridge bearer token/);
    }
    const created = await fetch(`${sys.scimUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${monitoringToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'sneaky@example.com' }),
    });
    assert.equal(created.status, 401);
    assert.equal((await sys.store.findMemberByUserName('sneaky@example.com')) ?? null, null);
    assert.equal((await bridge('/logs', monitoringToken)).status, 401);
  });

  test('/metrics counts SCIM requests by operation and status, with latency histograms', async () => {
    await sys.scim('GET', '/Users?count=1');
    await sys.scim('GET', '/Users?count=1');
    await sys.scim('GET', '/Users/does-not-exist');
    const response = await bridge('/metrics', monitoringToken);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^scimbridge_scim_requests_total\{operation="users\.list",status="200"\} [2-9]\d*$/m);
    assert.match(text, /^scimbridge_scim_requests_total\{operation="users\.get",status="404"\} 1$/m);
    assert.match(
      text,
      /^scimbridge_scim_request_duration_seconds_bucket\{le="\+Inf",operation="users\.list",status="200"\} \d+$/m,
    );
    assert.match(
      text,
      /^scimbridge_scim_request_duration_seconds_count\{operation="users\.list",status="200"\} \d+$/m,
    );
    assert.match(text, /^# TYPE scimbridge_watcher_runs_total counter$/m);
    assert.match(text, /^scimbridge_bridge_credentials_unlocked 1$/m);
    assert.match(text, /^scimbridge_request_log_records_lost_total 0$/m, 'request records lost are counted');
    assert.match(text, /^# TYPE scimbridge_request_log_records_delivered_total counter$/m);
    assert.match(text, /^process_cpu_seconds_total \d/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
  });

  test("the account server's /metrics shows the outbox by state, for the monitoring token only", async () => {
    const url = `${sys.system.accountAddress}/metrics`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: `Bearer ${sys.token}` } })).status, 401);
    await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'invited.for.metrics@example.com' });
    const text = await (await fetch(url, { headers: { authorization: `Bearer ${monitoringToken}` } })).text();
    const queued = /^scimbridge_outbox_messages\{state="queued"\} (\d+)$/m.exec(text);
    assert.ok(queued, text);
    assert.ok(Number(queued[1]) >= 1, 'the invitation is queued');
    assert.match(text, /^scimbridge_outbox_messages\{state="failed"\} 0$/m);
    assert.match(
      text,
      /^scimbridge_account_http_requests_total\{route="\/metrics",method="GET",status="401"\} 2$/m,
    );
  });

  test('provisioning off shows on /health as a problem that says what to do', async () => {
    await deactivateProvisioning(deps());
    const report = await healthWhen((r) => r.parts.provisioning.label === 'Off');
    assert.equal(report.status, 'failing');
    assert.equal(report.parts.provisioning.label, 'Off');
    assert.equal(report.parts.provisioning.status, 'problem');
    assert.match(report.parts.provisioning.action, /scimbridge provisioning setup/);
    assert.equal(report.parts.account.label, 'Connected');
    assert.ok(
      sys.logLines.some((line) => JSON.parse(line).msg === 'provisioning is turned off in the account'),
    );
    sys.token = await sys.regenerate();
  });

  test('regenerated credentials: the new session file waits for its token, then is valid', async () => {
    let report = await healthWhen((r) => r.parts.credentials.label === 'Waiting for the new token');
    assert.equal(report.parts.credentials.label, 'Waiting for the new token');
    assert.equal(report.parts.provisioning.label, 'On');
    assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);
    report = await healthWhen((r) => r.parts.credentials.label === 'Valid');
    assert.equal(report.parts.credentials.label, 'Valid');
  });

  test('a revoked monitoring token stops working', async () => {
    const fresh = await createMonitoringToken(deps(), 'second');
    sys.secrets.add(fresh.token);
    assert.equal(await revokeMonitoringToken(deps(), fresh.record.id), true);
    assert.equal((await bridge('/health', fresh.token)).status, 401);
    assert.equal(
      (
        await fetch(`${sys.system.accountAddress}/metrics`, {
          headers: { authorization: `Bearer ${fresh.token}` },
        })
      ).status,
      401,
    );
    // A token that passed is remembered by the checker for up to 30 s (documented), then asked again.
    assert.equal(await revokeMonitoringToken(deps(), tokenId), true);
    assert.equal(await revokeMonitoringToken(deps(), tokenId), false);
  });
});

describe('health without a session file', () => {
  test('credentials say "No session file" with the source looked at; the account is not checked', async () => {
    const sys = await startTestSystem({ env: { SCIMBRIDGE_SESSION: '/nonexistent/scimsession' } });
    try {
      const created = await createMonitoringToken(
        { store: sys.store, clock: systemClock, ids: randomIds },
        'p',
      );
      sys.secrets.add(created.token);
      const response = await fetch(`${sys.system.bridgeAddress}/health`, {
        headers: { authorization: `Bearer ${created.token}` },
      });
      const report = await response.json();
      assert.equal(report.status, 'failing');
      assert.equal(report.parts.credentials.label, 'No session file');
      assert.equal(report.parts.credentials.source, 'file /nonexistent/scimsession');
      assert.match(report.parts.credentials.detail, /\/nonexistent\/scimsession/);
      assert.match(report.parts.credentials.action, /SCIMBRIDGE_SESSION/);
      assert.equal(report.parts.account.status, 'unknown');
    } finally {
      await sys.close();
    }
  });
});
