/**
 * Starts a deployment example's processes as its files give them (run-as-written.test.ts):
 * the image's environment from the Dockerfile's final stage, then the file's, then only the
 * rewrites a container platform or the operator makes. Every rewrite is listed here, and a
 * value still naming a container host or path after them fails the test.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliProcess, execCliWith, spawnWith } from './example-process.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

export interface ExampleProcess {
  role: 'single' | 'account' | 'bridge';
  command: string[];
  env: Record<string, string>;
}

export interface Example {
  processes: ExampleProcess[];
  ports: { account: number; bridge: number };
  smtpUrl: string;
  databaseUrl?: string;
  redisPrefix: string;
}

export interface Started {
  bridgeUrl: string;
  token: string;
}

/** ENV lines of the Dockerfile's last stage: what every container of the image starts with. */
async function imageEnvironment(): Promise<Record<string, string>> {
  const text = (await readFile(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  const lastStage = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n')) {
    const match = /^ENV\s+(.*)$/.exec(line);
    if (!match) continue;
    for (const pair of match[1]!.trim().split(/\s+/)) {
      const [name, value] = pair.split('=');
      env[name!] = value!;
    }
  }
  return env;
}

function rewrite(
  role: ExampleProcess['role'],
  given: Record<string, string>,
  example: Example,
  dirs: { data: string; session: string },
): Record<string, string> {
  const env = { ...given };
  const loopback = (port: number) => `http://127.0.0.1:${port}`;
  // Listening: loopback and the test's ports instead of 0.0.0.0 and the container's.
  if ('SCIMBRIDGE_HOST' in env) env.SCIMBRIDGE_HOST = '127.0.0.1';
  if ('SCIMBRIDGE_CONSOLE_PORT' in env) env.SCIMBRIDGE_CONSOLE_PORT = String(example.ports.account);
  if ('SCIMBRIDGE_BRIDGE_PORT' in env) env.SCIMBRIDGE_BRIDGE_PORT = String(example.ports.bridge);
  // Volumes and mounted secrets: directories of this test instead of /data and /var/run/secrets.
  if ('SCIMBRIDGE_DATA_DIR' in env) env.SCIMBRIDGE_DATA_DIR = dirs.data;
  if (env.SCIMBRIDGE_SESSION !== undefined) env.SCIMBRIDGE_SESSION = path.join(dirs.session, 'scimsession');
  // A Docker secret appears at /run/secrets/scimsession, where the bridge looks by default.
  if (role === 'bridge' && env.SCIMBRIDGE_SESSION === undefined) {
    env.SCIMBRIDGE_SESSION = path.join(dirs.session, 'scimsession');
  }
  // Container host names, as the platform's DNS would resolve them.
  if (role === 'bridge') {
    assert.match(
      env.SCIMBRIDGE_ACCOUNT_URL ?? '',
      /^http:\/\/[a-z-]+:8080$/,
      'the bridge reaches the account by service name',
    );
    env.SCIMBRIDGE_ACCOUNT_URL = loopback(example.ports.account);
  }
  if (env.SCIMBRIDGE_MONITOR_BRIDGES !== undefined) {
    assert.match(env.SCIMBRIDGE_MONITOR_BRIDGES, /^http:\/\/[a-z-]+:3002$/);
    env.SCIMBRIDGE_MONITOR_BRIDGES = loopback(example.ports.bridge);
  }
  if (env.DATABASE_URL !== undefined) {
    assert.ok(example.databaseUrl, 'a PostgreSQL example gets a test database');
    env.DATABASE_URL = example.databaseUrl;
  }
  if (env.SCIMBRIDGE_REDIS_URL !== undefined) {
    // The test's Redis is shared with other tests: a prefix of this example's own, as two deployments would use.
    env.SCIMBRIDGE_REDIS_URL = 'redis://127.0.0.1:6379/0';
    env.SCIMBRIDGE_REDIS_PREFIX = example.redisPrefix;
  }
  // The operator's SMTP server: the test's sink, which speaks no TLS.
  if ('SCIMBRIDGE_SMTP_URL' in env) {
    env.SCIMBRIDGE_SMTP_URL = example.smtpUrl;
    env.SCIMBRIDGE_SMTP_REQUIRE_TLS = 'false';
  }
  for (const [name, value] of Object.entries(env)) {
    assert.doesNotMatch(
      value,
      /\/\/(?:[^@/]*@)?(?:postgres|redis|account|scimbridge-|team-)[\w-]*[:/]|^\/data|^\/var\/run|^\/run/,
      `${name} still names the container world`,
    );
  }
  return env;
}

/** Starts the example; the account side first, then credentials as the file's comments say, then the bridge. */
export async function startExample(
  example: Example,
  cleanups: Array<() => Promise<unknown>>,
): Promise<Started> {
  const image = await imageEnvironment();
  const work = await mkdtemp(path.join(tmpdir(), 'scimbridge-example-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const session = path.join(work, 'secrets');
  await mkdir(session, { mode: 0o700 });
  const envs = new Map<string, Record<string, string>>();
  const running = new Map<string, CliProcess>();
  let token = '';
  for (const process of example.processes) {
    const data = path.join(work, process.role);
    const env = rewrite(process.role, { ...image, ...process.env }, example, { data, session });
    envs.set(process.role, env);
    assert.deepEqual(
      process.command.slice(0, 2),
      ['node', 'bin/scimbridge.js'],
      'the image runs the compiled CLI',
    );
    if (process.role === 'bridge') {
      // `provisioning setup` on the account side wrote the session file; the operator moves it into the Secret.
      await copyFile(path.join(work, 'account', 'scimsession'), path.join(session, 'scimsession'));
    }
    const child = spawnWith(process.command.slice(1), env);
    cleanups.push(() => child.stop());
    running.set(process.role, child);
    await child.waitFor(/is running/, 90_000);
    if (process.role !== 'bridge') {
      const setup = await execCliWith(
        ['bin/scimbridge.js', 'provisioning', 'setup', '--token-out', '-'],
        env,
      );
      assert.equal(setup.code, 0, setup.stderr);
      token = setup.stdout.trim().split('\n').pop()!;
    }
  }
  return { bridgeUrl: `http://127.0.0.1:${example.ports.bridge}`, token };
}
