/**
 * The server under test, run as a child of the benchmark so that the load generator's work
 * never lands on the server's CPU clock. It starts the whole system (account server and
 * bridge, as `npm start` does) on ephemeral loopback ports, turns provisioning on, and
 * answers the parent's questions about its own CPU time over IPC.
 *
 * Usage (by bench/server-process.ts):
 * `server.ts --data-dir DIR [--database-url URL] [--smtp-url URL] [--mode split|split-local]
 * [--bridges N]`.
 *
 * `--mode split` runs the account server here and the bridge as a second process
 * (bench/bridge-child.ts) that reaches it over the account API, as `account serve` and
 * `bridge serve` do; CPU and memory answers are then the sum of both processes. `--bridges N`
 * (split mode) forks N bridge replicas on one session file, as issue 13's replicas run: the
 * answers are the sum over all N + 1 processes, and `ready` lists every bridge's address.
 * `--mode split-local` keeps both in this process but has the bridge reach the account over
 * the account API on loopback all the same: what the API costs, apart from what running two
 * processes costs.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setupProvisioning } from '../src/account/setup-provisioning.ts';
import { randomIds, systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { serializeSessionFile } from '../src/crypto/credentials/session-file.ts';
import { createLogger } from '../src/logging.ts';
import { startAccountService, startSystem } from '../src/main.ts';
import { seedUsers } from './seed.ts';
import { startProfiling, stopProfiling } from './server-profiler.ts';
import type { FromServer, ToServer } from './server-protocol.ts';

function tell(message: FromServer): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send)
    throw new Error('bench/server.ts runs as a child of bench/run.ts (it needs an IPC channel)');
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      mode: { type: 'string', default: 'one-process' },
      bridges: { type: 'string', default: '1' },
      // The MAIL workload: the sink is a plain-text test server without STARTTLS.
      'smtp-url': { type: 'string' },
    },
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required');

  const config = loadConfig(
    {
      SCIMBRIDGE_DATA_DIR: dataDir,
      SCIMBRIDGE_HOST: '127.0.0.1',
      SCIMBRIDGE_CONSOLE_PORT: '0',
      SCIMBRIDGE_BRIDGE_PORT: '0',
      SCIMBRIDGE_LOG_LEVEL: 'silent',
      // Large groups are built with PATCHes of 1,000 members.
      SCIMBRIDGE_MAX_BODY_BYTES: String(4 * 1024 * 1024),
      ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : {}),
      ...(values['smtp-url']
        ? { SCIMBRIDGE_SMTP_URL: values['smtp-url'], SCIMBRIDGE_SMTP_REQUIRE_TLS: 'false' }
        : {}),
    },
    {},
  );
  const logger = createLogger({ level: 'silent', format: 'json' });
  const split = values.mode === 'split';
  const bridgeCount = Number(values.bridges);
  if (!Number.isInteger(bridgeCount) || bridgeCount < 1 || bridgeCount > 16)
    throw new Error(`--bridges must be a whole number from 1 to 16, not "${values.bridges}"`);
  if (bridgeCount > 1 && !split) throw new Error('--bridges takes --mode split');
  const system = split
    ? await (async () => {
        const account = await startAccountService(config, { logger });
        return {
          store: account.store,
          accountDeps: account.deps,
          accountAddress: account.address,
          bridgeAddress: '',
          close: account.close,
        };
      })()
    : await startSystem(config, {
        logger,
        accountTransport: values.mode === 'split-local' ? 'http' : 'in-process',
      });

  // The session file has to be in place before the first SCIM request: the bridge opens it
  // with the token on first use.
  const { token, sessionFile } = await setupProvisioning(
    { store: system.store, clock: systemClock, ids: randomIds },
    { accountUrl: system.accountAddress },
  );
  const sessionPath = path.join(dataDir, 'scimsession');
  await writeFile(sessionPath, serializeSessionFile(sessionFile), { mode: 0o600 });

  const bridgeChildren: ChildProcess[] = [];
  const bridgeAnswers = new Map<number, (reply: FromServer) => void>();
  const forkBridge = (): Promise<string> => {
    const child = fork(
      // Bundled next to this file when the benchmark runs compiled code (compiled-server.ts).
      new URL(import.meta.url.endsWith('.mjs') ? './bridge-child.mjs' : './bridge-child.ts', import.meta.url),
      ['--session', sessionPath, '--account-url', system.accountAddress],
      { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    bridgeChildren.push(child);
    return new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`a bridge process exited (code ${code})`)));
      child.on('message', (message: FromServer) => {
        if (message.type === 'ready') resolve(message.bridgeAddress);
        else if (message.type === 'usage' || message.type === 'done')
          bridgeAnswers.get(message.id)?.(message);
      });
    });
  };
  const bridgeAddresses = split
    ? await Promise.all(Array.from({ length: bridgeCount }, forkBridge))
    : [system.bridgeAddress];
  let nextQuestion = 1;
  const bridgeUsage = (child: ChildProcess): Promise<{ cpu: NodeJS.CpuUsage; rssBytes: number }> =>
    new Promise((resolve) => {
      const id = nextQuestion++;
      bridgeAnswers.set(id, (reply) => {
        bridgeAnswers.delete(id);
        if (reply.type === 'usage') resolve({ cpu: reply.cpu, rssBytes: reply.rssBytes });
      });
      child.send({ type: 'usage', id } satisfies ToServer);
    });

  /** In split mode the bridges are profiled too; their profiles go next to the account's. */
  const askBridge = (child: ChildProcess, question: (id: number) => ToServer): Promise<void> =>
    new Promise((resolve, reject) => {
      const id = nextQuestion++;
      bridgeAnswers.set(id, (reply) => {
        bridgeAnswers.delete(id);
        if (reply.type === 'done' && reply.error) reject(new Error(`bridge: ${reply.error}`));
        else resolve();
      });
      child.send(question(id));
    });
  const profileAll = async (
    own: Promise<void>,
    bridge: (child: ChildProcess, n: number) => Promise<void>,
  ) => {
    await Promise.all([own, ...bridgeChildren.map(bridge)]);
  };
  /** The first bridge's profile keeps the name it had before replicas; the others are numbered. */
  const bridgeProfile = (file: string, n: number) =>
    file.replace(/\.cpuprofile$/, n === 0 ? '.bridge.cpuprofile' : `.bridge${n + 1}.cpuprofile`);

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await Promise.all(
      bridgeChildren
        .filter((child) => child.exitCode === null)
        .map((child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.send({ type: 'close' } satisfies ToServer);
          return exited;
        }),
    );
    await system.close();
    // A normal exit, so that `--cpu-prof` gets to write its profile.
    process.exit(0);
  };

  process.on('message', (message: ToServer) => {
    if (message.type === 'usage') {
      const own = { cpu: process.cpuUsage(), rssBytes: process.memoryUsage.rss() };
      void Promise.all(bridgeChildren.map(bridgeUsage)).then((others) => {
        const sum = { cpu: { ...own.cpu }, rssBytes: own.rssBytes };
        for (const other of others) {
          sum.cpu.user += other.cpu.user;
          sum.cpu.system += other.cpu.system;
          sum.rssBytes += other.rssBytes;
        }
        tell({ type: 'usage', id: message.id, ...sum });
      });
    } else if (message.type === 'profile-start') {
      profileAll(startProfiling(), (child) => askBridge(child, (id) => ({ type: 'profile-start', id }))).then(
        () => tell({ type: 'done', id: message.id }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
      );
    } else if (message.type === 'profile-stop') {
      profileAll(stopProfiling(message.file), (child, n) =>
        askBridge(child, (id) => ({ type: 'profile-stop', id, file: bridgeProfile(message.file, n) })),
      ).then(
        () => tell({ type: 'done', id: message.id }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
      );
    } else if (message.type === 'seed') {
      const idsFile = path.join(dataDir, 'seeded-ids.txt');
      seedUsers(system.accountDeps, { users: message.users, idsFile, log: (line) => console.log(line) }).then(
        () => tell({ type: 'seeded', id: message.id, idsFile }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.stack ?? error.message }),
      );
    } else if (message.type === 'close') {
      void close();
    }
  });
  // The parent went away (crash, Ctrl-C): do not outlive it.
  process.on('disconnect', () => void close());

  tell({ type: 'ready', bridgeAddress: bridgeAddresses[0]!, bridgeAddresses, token });
}

main().catch((error: unknown) => {
  tell({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
