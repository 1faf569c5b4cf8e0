/**
 * Issue 12, defect 8: /health reports the parts, not the last request's outcome. The
 * credentials are a problem when the session file on disk is broken or is not the file the
 * token opened; the account connection is down when the account does not answer, even
 * while the keys are still locked; a legitimate refusal (403: a rule keeps a group that alone opens a vault) leaves
 * the health as it was.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureAccount } from '../../src/account/ensure-account.ts';
import { createMonitoringToken, generateMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import { createVault } from '../../src/account/vaults.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { startBridgeService } from '../../src/main.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { loggerInto } from '../support/log-lines.ts';
import { closedPort } from '../support/smtp-sink.ts';
import {
  GROUP_SCHEMA,
  healthReport,
  healthWhen as healthWhenReady,
  startTestSystem,
  type TestSystem,
} from '../support/system.ts';

describe('/health reflects the parts', () => {
  let sys: TestSystem;
  let monitoring: string;
  const health = () => healthReport(sys, monitoring);
  // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
  const healthWhen = (ready: (report: any) => boolean) => healthWhenReady(sys, monitoring, ready);

  before(async () => {
    sys = await startTestSystem();
    monitoring = (
      await createMonitoringToken({ store: sys.store, clock: systemClock, ids: randomIds }, 'test')
    ).token;
    sys.secrets.add(monitoring);
    // Unlock the keys, as the IdP's first request does.
    assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);
  });
  after(async () => {
    await sys.close();
  });

  test('a legitimate 403 (a rule refuses a group delete) does not change the health', async () => {
    const before = await healthWhen((report) => report.parts.credentials.label === 'Valid');
    // A group that alone opens a vault cannot be deleted: a rule refuses it with 403.
    const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Finance' });
    assert.equal(group.status, 201, group.text);
    await createVault(
      { store: sys.store, clock: systemClock, ids: randomIds },
      { name: 'Books', groups: ['Finance'] },
    );
    const refused = await sys.scim('DELETE', `/Groups/${group.body.id}`);
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.body.detail, /only group that can open the vault/);
    const after = await health();
    assert.equal(after.parts.requests.idps[0].status, 403);
    assert.equal(after.parts.requests.status, 'ok');
    assert.equal(after.status, before.status);
    assert.notEqual(after.status, 'degraded');
  });

  test('a session file broken on disk, or another file with the same key id, makes the credentials a problem', async () => {
    const file = path.join(sys.dataDir, 'scimsession');
    const good = await readFile(file, 'utf8');
    try {
      await writeFile(file, '{"version":1,"accountUrl":"http://x", "trunc', { mode: 0o600 });
      let report = await healthWhen((r) => r.parts.credentials.status === 'problem');
      assert.equal(report.parts.credentials.label, 'Session file broken');
      assert.equal(report.status, 'failing');
      assert.match(report.parts.credentials.action, /Put the session file/);

      // Same header, another blob: not the file the token opened.
      const parsed = JSON.parse(good);
      const blob = String(parsed.blob);
      parsed.blob = `${blob.slice(0, 10)}${blob[10] === 'A' ? 'B' : 'A'}${blob.slice(11)}`;
      await writeFile(file, JSON.stringify(parsed), { mode: 0o600 });
      report = await healthWhen((r) => /keeps key id/.test(r.parts.credentials.detail));
      assert.equal(report.parts.credentials.label, 'Session file broken');
      assert.equal(report.parts.credentials.status, 'problem');
    } finally {
      await writeFile(file, good, { mode: 0o600 });
    }
    const healed = await healthWhen((r) => r.parts.credentials.label === 'Valid');
    assert.equal(healed.parts.credentials.status, 'ok');
  });
});

describe('/health of a separate bridge whose account is down', () => {
  test('the account is reported unreachable even before a token unlocks the keys; the credentials are not called valid', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    const deps = { store, clock: systemClock, ids: randomIds };
    await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@example.com' });
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const credentials = await setupProvisioning(deps, { accountUrl: dead });
    await store.close();
    const monitorToken = generateMonitoringToken();
    const lines: string[] = [];
    const config = loadConfig({
      SCIMBRIDGE_BRIDGE_PORT: '0',
      SCIMBRIDGE_SESSION_B64: Buffer.from(JSON.stringify(credentials.sessionFile)).toString('base64'),
      SCIMBRIDGE_MONITOR_TOKEN: monitorToken,
    });
    const bridge = await startBridgeService(config, { logger: loggerInto(lines) });
    try {
      const get = async () =>
        (
          await fetch(`${bridge.address}/health`, { headers: { authorization: `Bearer ${monitorToken}` } })
        ).json();
      const locked = await get();
      assert.equal(locked.parts.account.status, 'problem');
      assert.equal(locked.parts.account.label, 'Unreachable');
      assert.match(locked.parts.account.detail, /reach|answer/i);
      assert.equal(locked.status, 'failing');

      // A token unlocks the keys; the account still cannot say whether it accepts them.
      await fetch(`${bridge.address}/scim/v2/Users`, {
        headers: { authorization: `Bearer ${credentials.token}` },
      });
      const unlocked = await get();
      assert.equal(unlocked.parts.credentials.unlocked, true);
      assert.notEqual(unlocked.parts.credentials.label, 'Valid');
      assert.equal(unlocked.parts.credentials.status, 'unknown');
      assert.equal(unlocked.parts.account.label, 'Unreachable');
    } finally {
      await bridge.close();
    }
  });
});
