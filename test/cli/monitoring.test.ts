/**
 * `scimbridge monitoring …` as a user runs it: a real process over a real data directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { execCli } from '../support/processes.ts';

describe('scimbridge monitoring', () => {
  let dataDir: string;
  /** `scimbridge monitoring …` on the test's data folder. */
  const monitoring = (...args: string[]) =>
    execCli(['monitoring', ...args, '--data-dir', dataDir], { ...process.env, SCIMBRIDGE_DATA_DIR: '' });
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-monitoring-cli-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('token create prints the token once; only its hash is stored; list never shows it; revoke removes it', async () => {
    const created = await monitoring('token', 'create', '--label', 'prometheus', '--token-out', '-');
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^sbm_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /prometheus/);

    const toFile = path.join(dataDir, 'monitor-token');
    const second = await monitoring('token', 'create', '--label', 'monitor', '--token-out', toFile);
    assert.equal(second.code, 0, second.stderr);
    assert.equal((await stat(toFile)).mode & 0o777, 0o600);
    assert.match(await readFile(toFile, 'utf8'), /^sbm_/);

    const listed = await monitoring('token', 'list');
    assert.match(listed.stdout, /prometheus/);
    assert.match(listed.stdout, /monitor/);
    assert.ok(!listed.stdout.includes(token));

    const store = await openSqliteStore({ path: path.join(dataDir, 'scimbridge.db') });
    let id: string;
    try {
      const found = await store.findMonitoringToken(hashMonitoringToken(token));
      assert.equal(found?.label, 'prometheus');
      id = found!.id;
      const db = (await store.listMonitoringTokens()).map((entry) => JSON.stringify(entry)).join();
      assert.ok(!db.includes(token), 'the token itself is not stored');
    } finally {
      await store.close();
    }

    const revoked = await monitoring('token', 'revoke', id);
    assert.equal(revoked.code, 0, revoked.stderr);
    const again = await monitoring('token', 'revoke', id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no monitoring token with id/);
    const empty = await monitoring('token', 'create', '--label', '', '--token-out', '-');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /needs a label/);
  });

  test('recipients: set, refused when malformed (nothing changes), cleared back to the owners', async () => {
    const set = await monitoring('recipients', 'Ops@Example.com', 'oncall@example.com');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /ops@example\.com, oncall@example\.com/);
    const bad = await monitoring('recipients', 'a@example.com', 'not an address');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"not an address" is not an e-mail address/);
    const store = await openSqliteStore({ path: path.join(dataDir, 'scimbridge.db') });
    try {
      assert.deepEqual(await store.listNotificationRecipients(), ['ops@example.com', 'oncall@example.com']);
    } finally {
      await store.close();
    }
    assert.match((await monitoring('recipients', '--clear')).stdout, /account owners get bridge notices/);
  });
  test('off and on: the stored switch, one activity entry per change, none for switching to the state it is in', async () => {
    const switches = async () => {
      const store = await openSqliteStore({ path: path.join(dataDir, 'scimbridge.db') });
      try {
        const entries = await store.listActivity({ limit: 100 });
        return {
          enabled: (await store.getMonitoringSwitch()).enabled,
          actions: entries.filter((e) => e.action.startsWith('monitoring.switched')).map((e) => e.action),
        };
      } finally {
        await store.close();
      }
    };
    const off = await monitoring('off');
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, 'Health monitoring is off: no checks and no notices until it is on again.\n');
    assert.deepEqual(await switches(), { enabled: false, actions: ['monitoring.switched_off'] });
    const again = await monitoring('off');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await switches(), { enabled: false, actions: ['monitoring.switched_off'] });
    const on = await monitoring('on');
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.stdout, 'Health monitoring is on: the next round checks the bridges.\n');
    assert.deepEqual(await switches(), {
      enabled: true,
      actions: ['monitoring.switched_on', 'monitoring.switched_off'],
    });
  });
});
