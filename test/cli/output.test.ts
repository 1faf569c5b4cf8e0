/**
 * What the CLI prints, as an operator uses it: piped into a reader that goes away first
 * (`| head`), and hints that can be copied as they are.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execCli, freePort, spawnCli } from '../support/processes.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');

/** Runs a command whose stdout reader is gone before it writes (`cmd | head -0`). */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SCIMBRIDGE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Loading the CLI takes far longer than this: every write it makes meets a closed pipe.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // A command that hangs on its closed output fails here instead of hanging the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe('CLI output', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-output-'));
    const dataDir = path.join(dir, 'data');
    // A database with something in every list.
    for (const args of [
      ['firewall', 'deny-listed-networks'],
      ['monitoring', 'token', 'create', '--label', 'uptime', '--token-out', path.join(dir, 'monitor-token')],
      ['provisioning', 'setup', '--token-out', path.join(dir, 'token')],
    ]) {
      const done = await execCli([...args, '--data-dir', dataDir], { PATH: process.env.PATH ?? '' });
      assert.equal(done.code, 0, `${args.join(' ')}: ${done.stderr}`);
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const commands = [
    ['--help'],
    ['mail', '--help'],
    ['firewall', 'list'],
    ['firewall', 'check', '203.0.113.9'],
    ['mail', 'list'],
    ['monitoring', 'token', 'list'],
    ['vault', 'list'],
    ['provisioning', 'setup', '--token-out', '-'],
  ];
  for (const args of commands) {
    test(`\`scimbridge ${args.join(' ')} | head -0\` ends quietly`, async () => {
      const withData =
        args[0] === '--help' || args.includes('--help')
          ? args
          : [...args, '--data-dir', path.join(dir, 'data')];
      const ended = await runWithClosedStdout(withData);
      assert.doesNotMatch(ended.stderr, /EPIPE|^\s+at /m, ended.stderr);
      assert.equal(ended.code, 0, ended.stderr);
    });
  }

  test('`scimbridge start | head -1`: the server ends quietly at its next log line, it does not hang', async () => {
    const bridgePort = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'start',
        '--data-dir',
        path.join(dir, 'server'),
        '--console-port',
        '0',
        '--bridge-port',
        String(bridgePort),
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Like head -1: read the first line, then go away.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    // Wait for the bridge to listen, then make it log.
    for (let attempt = 0; attempt < 100; attempt++) {
      const answered = await fetch(`http://127.0.0.1:${bridgePort}/scim/v2/Users`).catch(() => undefined);
      if (answered !== undefined || child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, `exit code; stderr:\n${stderr}`);
    assert.doesNotMatch(stderr, /EPIPE|^\s+at /m, stderr);
  });

  test('hints in other commands name the --data-dir they were given', async () => {
    const dataDir = path.join(dir, 'data');
    const env = { PATH: process.env.PATH ?? '' };
    const shown = await execCli(['mail', 'show', 'no-such-id', '--data-dir', dataDir], env);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, new RegExp(`see scimbridge mail list --data-dir ${dataDir}\\)`));
    const off = await execCli(['provisioning', 'deactivate', '--data-dir', dataDir], env);
    assert.equal(off.code, 0, off.stderr);
    assert.match(
      off.stdout,
      new RegExp(`scimbridge provisioning setup --data-dir ${dataDir} --token-out <file>`),
    );
  });

  test('the hints `start` prints carry its --data-dir and account address, and work as printed', async () => {
    const dataDir = path.join(dir, 'elsewhere');
    const consolePort = await freePort();
    const server = spawnCli([
      'start',
      '--data-dir',
      dataDir,
      '--console-port',
      String(consolePort),
      '--bridge-port',
      '0',
      '--log-level',
      'warn',
    ]);
    try {
      const mailHint = await server.waitFor(/mail stays queued/);
      assert.match(mailHint, new RegExp(`npx scimbridge mail list --data-dir ${dataDir}$`));
      const setupLine = await server.waitFor(/provisioning is off/);
      const hint = setupLine.slice(setupLine.indexOf('npx scimbridge ') + 'npx scimbridge '.length);
      assert.match(hint, new RegExp(`--data-dir ${dataDir} --account-url http://localhost:${consolePort} `));
      // Run the hint as printed, with the two output files in the test's folder.
      const args = hint
        .split(' ')
        .map((word) =>
          word === './token'
            ? path.join(dir, 'hint-token')
            : word === './scimsession'
              ? path.join(dir, 'hint-session')
              : word,
        );
      const setup = await execCli(args, { PATH: process.env.PATH ?? '' });
      assert.equal(setup.code, 0, setup.stderr);
      // It set up the database the server runs on, for the address the server has.
      const session = JSON.parse(await readFile(path.join(dataDir, 'scimsession'), 'utf8')) as {
        accountUrl: string;
      };
      assert.equal(session.accountUrl, `http://localhost:${consolePort}`);
    } finally {
      await server.stop();
    }
  });
});
