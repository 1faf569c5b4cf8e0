import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { openFixture } from '../../../test/support/account-fixture.ts';
import { ManualTime } from '../../../test/support/manual-time.ts';
import { createInProcessAccountClient } from '../../account/in-process-client.ts';
import type { GoogleDirectory } from './directory.ts';
import { GoogleSettingsFile } from './settings.ts';
import { GoogleSync } from './sync.ts';

test('runs every interval once unlocked, not before, and stops when told', async () => {
  const fixture = await openFixture();
  const dir = await mkdtemp(path.join(tmpdir(), 'google-schedule-'));
  try {
    const time = new ManualTime();
    let reads = 0;
    const directory: GoogleDirectory = {
      listUsers: async () => {
        reads++;
        return [
          {
            id: '1',
            primaryEmail: 'a@acme.test',
            givenName: 'A',
            familyName: 'B',
            fullName: 'A B',
            suspended: false,
          },
        ];
      },
      listGroups: async () => [],
      getGroup: async (email) => ({ id: 'g', email, name: 'Staff' }),
      listMembers: async () => [{ id: '1', email: 'a@acme.test', type: 'USER' }],
    };
    let unlocked = false;
    // Only its shape is checked: the directory is a stand-in.
    const keyPath = path.join(dir, 'key.json');
    await writeFile(
      keyPath,
      JSON.stringify({
        type: 'service_account',
        client_email: 'sa@p.test',
        private_key: '-----BEGIN PRIVATE KEY-----\nx\n',
      }),
    );
    const settings = new GoogleSettingsFile(path.join(dir, 'google-sync.json'));
    await settings.write({
      admin: 'it@acme.test',
      groups: ['staff@acme.test'],
      enabled: true,
      approvedGroups: ['staff@acme.test'],
      approvedAt: null,
      approvedSuspensions: null,
    });
    const sync = new GoogleSync({
      client: createInProcessAccountClient(fixture.deps),
      settings,
      keySource: () => ({ kind: 'file', path: keyPath }),
      describeKeySource: () => 'file /k.json',
      directory: async () => directory,
      logger: pino({ level: 'silent' }),
      time,
      intervalMinutes: 5,
      suspendLimitPercent: 10,
      ready: () => unlocked,
    });
    sync.start();
    const runs = () => Object.values(sync.counters().runsTotal).reduce((sum, n) => sum + n, 0);
    /** Until `count` runs have ended (bounded); the runs read files, so they take real turns. */
    const runsEnded = async (count: number) => {
      for (let i = 0; i < 2000 && runs() < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    time.advance(4 * 60_000);
    assert.equal(runs(), 0, 'not before the interval');
    time.advance(60_000);
    await runsEnded(1);
    assert.equal(sync.counters().runsTotal.skipped, 1, 'locked: skipped');
    assert.equal(reads, 0);
    unlocked = true;
    time.advance(5 * 60_000);
    await runsEnded(2);
    assert.equal(reads, 1);
    assert.equal(sync.counters().runsTotal.applied, 1);
    await sync.stop();
    time.advance(60 * 60_000);
    for (let i = 0; i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(runs(), 2, 'no run after stop');
  } finally {
    await fixture.close();
    await rm(dir, { recursive: true, force: true });
  }
});
