import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Store } from '../../src/account/store.ts';
import { loadSessionFile } from '../../src/bridge/credentials/load-session.ts';
import {
  createSessionFileProvider,
  fixedSessionFileProvider,
} from '../../src/bridge/credentials/session-provider.ts';
import { TokenVerifier } from '../../src/bridge/credentials/token-verifier.ts';
import {
  ProvisioningSetupError,
  type ProvisioningSetupOptions,
  runProvisioningSetup,
} from '../../src/cli/commands/provisioning-setup.ts';
import type { Clock } from '../../src/clock.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';

class FakeClock implements Clock {
  ms = Date.parse('2026-03-01T09:00:00Z');
  now(): Date {
    return new Date(this.ms);
  }
}

class Capture {
  text = '';
  write(chunk: string): void {
    this.text += chunk;
  }
}

let dir: string;
let store: Store;
let clock: FakeClock;
let stdout: Capture;
let stderr: Capture;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimbridge-cli-'));
  store = await openSqliteStore({ path: ':memory:' });
  clock = new FakeClock();
  stdout = new Capture();
  stderr = new Capture();
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function options(overrides: Partial<ProvisioningSetupOptions>): ProvisioningSetupOptions {
  return {
    store,
    clock,
    ids: () => `id-${++counter}`,
    accountUrl: 'https://team.example.com',
    tokenOut: join(dir, 'token'),
    dataDir: join(dir, 'data'),
    stdout,
    stderr,
    ...overrides,
  };
}

async function tokenOpens(token: string, sessionPath: string): Promise<boolean> {
  const verifier = new TokenVerifier(fixedSessionFileProvider(await loadSessionFile(sessionPath)));
  return (await verifier.verify(`Bearer ${token}`)).ok;
}

describe('scimbridge provisioning setup', () => {
  test('writes the session file to --session-out and the data dir, the token to --token-out, all 0600', async () => {
    const sessionOut = join(dir, 'copy-for-bridge.json');
    const outcome = await runProvisioningSetup(options({ sessionOut }));
    const dataSession = join(dir, 'data', 'scimsession');
    assert.deepEqual(outcome.sessionPaths, [dataSession, sessionOut]);
    assert.equal(outcome.tokenPath, join(dir, 'token'));

    const token = (await readFile(join(dir, 'token'), 'utf8')).trim();
    assert.match(token, /^sbt_[A-Za-z0-9_-]{43}$/);
    for (const path of [dataSession, sessionOut, join(dir, 'token')]) {
      assert.equal((await stat(path)).mode & 0o777, 0o600, path);
    }
    assert.equal(await tokenOpens(token, dataSession), true);
    assert.equal(await tokenOpens(token, sessionOut), true);
    assert.equal((await store.getIntegration())?.keyId, outcome.keyId);

    assert.ok(!stdout.text.includes(token) && !stderr.text.includes(token), 'the token is never printed');
    assert.match(stdout.text, new RegExp(`session file: ${dataSession}`));
    assert.match(stdout.text, new RegExp(`bearer token: ${join(dir, 'token')}`));
    // No temporary files left behind.
    assert.deepEqual((await readdir(join(dir, 'data'))).sort(), ['scimsession']);
  });

  test('--token-out - prints the token alone on stdout and the report on stderr', async () => {
    const outcome = await runProvisioningSetup(options({ tokenOut: '-' }));
    assert.equal(outcome.tokenPath, undefined);
    assert.match(stdout.text, /^sbt_[A-Za-z0-9_-]{43}\n$/);
    assert.match(stderr.text, /bearer token: printed to stdout/);
    assert.equal(await tokenOpens(stdout.text.trim(), join(dir, 'data', 'scimsession')), true);
  });

  test('running it again replaces both files and a running bridge switches to the new pair', async () => {
    await runProvisioningSetup(options({}));
    const oldToken = (await readFile(join(dir, 'token'), 'utf8')).trim();
    const bridge = new TokenVerifier(
      createSessionFileProvider({ kind: 'file', path: join(dir, 'data', 'scimsession') }, { clock }),
    );
    assert.ok((await bridge.verify(`Bearer ${oldToken}`)).ok);

    clock.ms += 5000;
    const second = await runProvisioningSetup(options({}));
    const newToken = (await readFile(join(dir, 'token'), 'utf8')).trim();
    assert.notEqual(newToken, oldToken);
    const result = await bridge.verify(`Bearer ${newToken}`);
    assert.ok(result.ok);
    assert.equal(result.keyId, second.keyId);
    assert.deepEqual(await bridge.verify(`Bearer ${oldToken}`), { ok: false, reason: 'wrong_token' });
  });

  test('--session-out naming the data-dir file writes it once', async () => {
    const outcome = await runProvisioningSetup(options({ sessionOut: join(dir, 'data', 'scimsession') }));
    assert.deepEqual(outcome.sessionPaths, [join(dir, 'data', 'scimsession')]);
  });

  test('without --token-out it refuses before changing anything', async () => {
    await assert.rejects(runProvisioningSetup(options({ tokenOut: '' })), {
      name: 'ProvisioningSetupError',
      message: '--token-out is required: a file for the bearer token, or - for stdout',
    });
    assert.equal(await store.getIntegration(), undefined);
  });

  test('an unwritable destination is refused before the old credentials are revoked', async () => {
    await runProvisioningSetup(options({}));
    const before = await store.getIntegration();
    const notADirectory = join(dir, 'a-file');
    await writeFile(notADirectory, 'x');
    for (const sessionOut of [join(notADirectory, 'scimsession'), join(dir, 'data')]) {
      await assert.rejects(runProvisioningSetup(options({ sessionOut })), (error: unknown) => {
        assert.ok(error instanceof ProvisioningSetupError);
        assert.match(error.message, /nothing was changed$/);
        return true;
      });
    }
    assert.deepEqual(await store.getIntegration(), before);
  });
});
