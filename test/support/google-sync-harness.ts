/** A Google sync wired to a real account store, a local fake Google and time that never sleeps. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AccountClient } from '../../src/account/client.ts';
import { createInProcessAccountClient } from '../../src/account/in-process-client.ts';
import type { TimerHandle, TimeSource } from '../../src/bridge/account-http/time.ts';
import { createGoogleDirectory } from '../../src/bridge/google/directory.ts';
import { describeGoogleKeySource, type GoogleKeySource } from '../../src/bridge/google/key-file.ts';
import { GOOGLE_SETTINGS_FILE_NAME, GoogleSettingsFile } from '../../src/bridge/google/settings.ts';
import { GoogleSync, googleSyncLeaseMs } from '../../src/bridge/google/sync.ts';
import { createInProcessLease, InProcessLeases } from '../../src/bridge/lease.ts';
import { type Fixture, openFixture } from './account-fixture.ts';
import { FakeGoogle, makeServiceAccount, type ServiceAccount } from './fake-google.ts';
import { loggerInto } from './log-lines.ts';

/** Timers fire on the next turn; every pause asked for is recorded instead of waited. */
export class InstantTime implements TimeSource {
  readonly pauses: number[] = [];
  private wall = Date.parse('2026-06-01T08:00:00Z');
  monotonicNow(): number {
    return this.wall;
  }
  wallNow(): number {
    return this.wall;
  }
  setTimer(run: () => void, ms: number): TimerHandle {
    this.pauses.push(ms);
    this.wall += ms;
    return { timer: setImmediate(run) };
  }
  clearTimer(handle: TimerHandle | undefined): void {
    if (handle) clearImmediate(handle.timer as NodeJS.Immediate);
  }
}

export interface GoogleHarness {
  fixture: Fixture;
  client: AccountClient;
  google: FakeGoogle;
  account: ServiceAccount;
  sync: GoogleSync;
  settings: GoogleSettingsFile;
  time: InstantTime;
  logs: string[];
  dir: string;
  keyPath: string;
  /** A second bridge's sync over the same account, settings and lease. */
  another(): GoogleSync;
  close(): Promise<void>;
}

export async function openGoogleHarness(
  db: 'sqlite' | 'postgres',
  options: { suspendLimitPercent?: number } = {},
): Promise<GoogleHarness> {
  const fixture = await openFixture({ db });
  const client = createInProcessAccountClient(fixture.deps);
  const google = new FakeGoogle();
  await google.start();
  const account = makeServiceAccount();
  google.register(account);
  const dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-google-'));
  const keyPath = path.join(dir, 'key.json');
  await writeFile(keyPath, account.keyFile, { mode: 0o600 });
  const settings = new GoogleSettingsFile(path.join(dir, GOOGLE_SETTINGS_FILE_NAME));
  const time = new InstantTime();
  const logs: string[] = [];
  // Each sync is its own holder of one `google-sync` lease, as separate bridges would be.
  const leases = new InProcessLeases();
  const make = (): GoogleSync =>
    new GoogleSync({
      client,
      settings,
      keySource: (): GoogleKeySource => ({ kind: 'file', path: keyPath }),
      describeKeySource: describeGoogleKeySource,
      directory: createGoogleDirectory,
      logger: loggerInto(logs),
      time,
      random: () => 0.5,
      lease: createInProcessLease({
        name: 'google-sync',
        ttlMs: googleSyncLeaseMs(5),
        registry: leases,
        now: () => time.wallNow(),
      }),
      intervalMinutes: 5,
      suspendLimitPercent: options.suspendLimitPercent ?? 10,
      rootUrl: google.address,
      tokenUrl: google.tokenUrl,
    });
  return {
    fixture,
    client,
    google,
    account,
    sync: make(),
    settings,
    time,
    logs,
    dir,
    keyPath,
    another: make,
    close: async () => {
      await google.stop();
      await fixture.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Google users u1…un in one group `staff@acme.test`. */
export function seedGoogle(google: FakeGoogle, count: number, groupEmail = 'staff@acme.test'): string[] {
  const ids: string[] = [];
  for (let n = 1; n <= count; n++) {
    const id = String(100_000_000_000 + n);
    google.users.set(id, {
      id,
      primaryEmail: `user${String(n).padStart(5, '0')}@acme.test`,
      givenName: `Given${n}`,
      familyName: `Family${n}`,
    });
    ids.push(id);
  }
  google.groups.set('g-staff', { id: '0abc123staff', email: groupEmail, name: 'Staff', members: [...ids] });
  return ids;
}
