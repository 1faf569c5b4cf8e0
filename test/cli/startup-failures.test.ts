/**
 * Start-up failures as an operator meets them: the real CLI, a real occupied port, a real
 * PostgreSQL that lacks the database, a server that refuses the password, an unwritable
 * data directory. Each ends with one `scimbridge:` line that names the fix, no stack trace,
 * and exit code 1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execCli, freePort, spawnCli } from '../support/processes.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');
const POSTGRES = process.env.SCIMBRIDGE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { uid?: number; gid?: number } = {}): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SCIMBRIDGE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** One line on stderr that says `expected`, no stack frame, exit code 1. */
function assertOneLine(ended: Ended, expected: RegExp): void {
  assert.equal(ended.code, 1, `exit code; stderr:\n${ended.stderr}`);
  const lines = ended.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${ended.stderr}`);
  assert.match(lines[0]!, /^scimbridge: /);
  assert.match(lines[0]!, expected);
  assert.doesNotMatch(ended.stderr + ended.stdout, /^\s+at /m, 'no stack trace');
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('start-up failures', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-startup-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const dataDir = (name: string) => path.join(dir, name);

  test('a console port in use names the port and --console-port', async () => {
    const blocker = createServer();
    const port = await listen(blocker);
    try {
      const ended = await run([
        'start',
        '--data-dir',
        dataDir('in-use'),
        '--console-port',
        String(port),
        '--bridge-port',
        '0',
      ]);
      assertOneLine(ended, new RegExp(`port ${port} .*already in use.*--console-port`));
    } finally {
      blocker.close();
    }
  });

  test('a bridge port in use names --bridge-port, for `bridge serve` too', async () => {
    const blocker = createServer();
    const port = await listen(blocker);
    try {
      const started = await run([
        'start',
        '--data-dir',
        dataDir('bridge-in-use'),
        '--console-port',
        '0',
        '--bridge-port',
        String(port),
      ]);
      assertOneLine(started, /already in use.*--bridge-port/);
      const alone = await run(['bridge', 'serve', '--bridge-port', String(port)]);
      assertOneLine(alone, /already in use.*--bridge-port/);
    } finally {
      blocker.close();
    }
  });

  test('both servers on one port is refused before anything starts', async () => {
    const ended = await run([
      'start',
      '--data-dir',
      dataDir('same-port'),
      '--console-port',
      '18555',
      '--bridge-port',
      '18555',
    ]);
    assertOneLine(ended, /cannot share port 18555.*--console-port and --bridge-port/);
  });

  test('a host that does not resolve', async () => {
    const ended = await run([
      'start',
      '--data-dir',
      dataDir('host'),
      '--host',
      'no-such-host.invalid',
      '--console-port',
      '0',
      '--bridge-port',
      '0',
    ]);
    assertOneLine(ended, /cannot resolve the host "no-such-host\.invalid".*--host/);
  });

  test('PostgreSQL not listening', async () => {
    const port = await freePort();
    const ended = await run([
      'start',
      '--database-url',
      `postgres://postgres@127.0.0.1:${port}/postgres`,
      '--console-port',
      '0',
      '--bridge-port',
      '0',
    ]);
    assertOneLine(ended, new RegExp(`127\\.0\\.0\\.1:${port} refused the connection: start PostgreSQL`));
  });

  test('PostgreSQL without the database names it and how to create it', async () => {
    const url = new URL(POSTGRES);
    url.pathname = '/scimbridge_no_such_database';
    const ended = await run([
      'start',
      '--database-url',
      url.toString(),
      '--console-port',
      '0',
      '--bridge-port',
      '0',
    ]);
    assertOneLine(ended, /has no database "scimbridge_no_such_database": create it/);
  });

  test('PostgreSQL refusing the password, which is never printed', async () => {
    // A server that answers every start-up message as PostgreSQL does a wrong password: an
    // ErrorResponse with SQLSTATE 28P01 (protocol: ErrorResponse, fields S, C, M).
    const server = createServer((socket) => {
      socket.once('data', () => {
        const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "team"'];
        const body = Buffer.concat([...fields.map((field) => Buffer.from(`${field}\0`)), Buffer.from([0])]);
        const header = Buffer.alloc(5);
        header.write('E', 0);
        header.writeInt32BE(body.length + 4, 1);
        socket.end(Buffer.concat([header, body]));
      });
    });
    const port = await listen(server);
    try {
      const ended = await run([
        'mail',
        'list',
        '--database-url',
        `postgres://team:hunter2-secret@127.0.0.1:${port}/team`,
      ]);
      assertOneLine(ended, /refused the password of user "team": fix the password in --database-url/);
      assert.doesNotMatch(ended.stderr, /hunter2/);
    } finally {
      server.close();
    }
  });

  test('a data directory that cannot be created (a file in its path)', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, '');
    const ended = await run([
      'start',
      '--data-dir',
      path.join(file, 'data'),
      '--console-port',
      '0',
      '--bridge-port',
      '0',
    ]);
    assertOneLine(ended, /cannot write the data directory .*a-file\/data.*--data-dir/);
  });

  test('a data directory this user may not write', {
    skip: process.getuid?.() !== 0 && 'needs root to run as nobody',
  }, async () => {
    // Root writes anywhere, so the CLI runs as nobody against a directory only root may write.
    const parent = path.join(dir, 'root-only');
    await mkdir(parent, { recursive: true });
    await chmod(dir, 0o755);
    await chmod(parent, 0o755);
    const ended = await run(
      ['start', '--data-dir', path.join(parent, 'data'), '--console-port', '0', '--bridge-port', '0'],
      {
        uid: 65534,
        gid: 65534,
      },
    );
    assertOneLine(ended, /cannot write the data directory .*root-only\/data \(EACCES\)/);
  });

  test('a token that does not open the session file stops the start; the right one starts the watcher at boot', async () => {
    const data = dataDir('token-data');
    const env = { PATH: process.env.PATH ?? '' };
    const first = await execCli(
      ['provisioning', 'setup', '--data-dir', data, '--token-out', path.join(dir, 'old-token')],
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    // Regenerated: the first token no longer matches the session file in the data directory.
    const second = await execCli(
      ['provisioning', 'setup', '--data-dir', data, '--token-out', path.join(dir, 'token')],
      env,
    );
    assert.equal(second.code, 0, second.stderr);
    const args = ['--console-port', '0', '--bridge-port', '0'];
    assertOneLine(
      await run(['start', '--data-dir', data, ...args, '--token-file', path.join(dir, 'old-token')]),
      /the token in .*old-token does not open the session file \(file .*scimsession\)/,
    );
    assertOneLine(
      await run([
        'bridge',
        'serve',
        '--session',
        path.join(data, 'scimsession'),
        '--bridge-port',
        '0',
        '--token-file',
        path.join(dir, 'old-token'),
      ]),
      /does not open the session file/,
    );
    assertOneLine(
      await run(['start', '--data-dir', data, ...args, '--token-file', path.join(dir, 'missing')]),
      /cannot read the token file .*missing \(ENOENT\)/,
    );
    const started = spawnCli(['start', '--data-dir', data, ...args, '--token-file', path.join(dir, 'token')]);
    try {
      await started.waitFor(/provision watcher started/);
      await started.waitFor(/scimbridge is running/);
    } finally {
      await started.stop();
    }
  });

  test('a bad value names the flag it came from', async () => {
    const ended = await run(['start', '--console-port', 'eighty']);
    assertOneLine(ended, /^scimbridge: --console-port must be a port number/);
  });
});
