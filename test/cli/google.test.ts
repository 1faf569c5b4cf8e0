/**
 * `scimbridge google …` as an administrator runs it: separate processes on a running
 * system's data directory, with Google's client libraries pointed at the local fake.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeMember } from '../../src/storage/contract.ts';
import { FakeGoogle, makeServiceAccount } from '../support/fake-google.ts';
import { seedGoogle } from '../support/google-sync-harness.ts';
import { execCli } from '../support/processes.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

describe('google commands', () => {
  let sys: TestSystem;
  const google = new FakeGoogle();
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => execCli([...args, '--data-dir', sys.dataDir], env);

  before(async () => {
    sys = await startTestSystem();
    await google.start();
    const account = makeServiceAccount();
    google.register(account);
    seedGoogle(google, 3);
    const keyFile = path.join(sys.dataDir, 'google-key.json');
    await writeFile(keyFile, account.keyFile, { mode: 0o600 });
    await sys.store.insertMember(
      makeMember('local-1', { email: 'leaver@acme.test', managed: false, state: 'invited' }),
    );
    env = {
      PATH: process.env.PATH ?? '',
      SCIMBRIDGE_GOOGLE_KEY_FILE: keyFile,
      SCIMBRIDGE_GOOGLE_API_URL: google.address,
      SCIMBRIDGE_GOOGLE_TOKEN_URL: google.tokenUrl,
    };
  });
  after(async () => {
    await google.stop();
    await sys?.close();
  });

  test('configure, preview (text and JSON), enable with the confirmed count, status', async () => {
    const configured = await cli(
      'google',
      'configure',
      '--admin',
      'it-admin@acme.test',
      '--groups',
      'staff@acme.test',
    );
    assert.equal(configured.code, 0, configured.stderr);
    const preview = await cli('google', 'preview');
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /Invited\s+3\n/);
    assert.match(preview.stdout, /Suspended\s+1\n/);
    assert.match(preview.stdout, /leaver@acme.test — not in a synced group/);
    assert.match(preview.stdout, /enable --confirm-suspensions 1/);
    const json = JSON.parse((await cli('google', 'preview', '--json')).stdout);
    assert.equal(json.counts.invite, 3);
    assert.deepEqual(
      json.suspend.map((p: { email: string }) => p.email),
      ['leaver@acme.test'],
    );
    const refused = await cli('google', 'enable', '--confirm-suspensions', '0');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the preview now suspends 1 member\(s\), not 0/);
    const enabled = await cli('google', 'enable', '--confirm-suspensions', '1');
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.match(enabled.stdout, /applied\n3 invited, 0 matched, 0 updated, 1 suspended/);
    assert.equal((await sys.store.getMember('local-1'))?.state, 'suspended');
    const status = await cli('google', 'status');
    assert.match(status.stdout, /State: on/);
    assert.doesNotMatch(status.stdout + status.stderr, /PRIVATE KEY/);
  });

  test('a key Google rejects is one line naming what to fix', async () => {
    await writeFile(
      String(env.SCIMBRIDGE_GOOGLE_KEY_FILE),
      makeServiceAccount('other@x.iam.gserviceaccount.com').keyFile,
    );
    const result = await cli('google', 'preview');
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^scimbridge: Google rejected the service-account key .*download a new JSON key/,
    );
    assert.doesNotMatch(result.stderr, /PRIVATE KEY|at .*\.ts/);
  });
});
