/**
 * The server under test, run as a child of the benchmark so that the load generator's work
 * never lands on the server's CPU clock. It starts the whole system (account server and
 * bridge, as `npm start` does) on ephemeral loopback ports, turns provisioning on, and
 * answers the parent's questions about its own CPU time over IPC.
 *
 * Usage (by bench/server-process.ts):
 * `server.ts --data-dir DIR [--database-url URL] [--smtp-url URL] [--mode split|split-local]`.
 *
 * `--mode split` runs the account server here and the bridge as a second process
 * (bench/bridge-child.ts) that reaches it over the account API, as `account serve` and
 * `bridge serve` do; CPU and memory answers are then the sum of both processes.
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
  const system = split
    ? await (async () => {
        const account = await startAccountService(config, { logger });
        return {
          store: account.store,
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

  let bridgeChild: ChildProcess | undefined;
  let bridgeAddress = system.bridgeAddress;
  const bridgeAnswers = new Map<number, (reply: FromServer) => void>();
  if (split) {
    bridgeChild = fork(
      // Bundled next to this file when the benchmark runs compiled code (compiled-server.ts).
      new URL(import.meta.url.endsWith('.mjs') ? './bridge-child.mjs' : './bridge-child.ts', import.meta.url),
      ['--session', sessionPath, '--account-url', system.accountAddress],
      { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    bridgeAddress = await new Promise<string>((resolve, reject) => {
      bridgeChild!.once('exit', (code) => reject(new Error(`the bridge process exited (code ${code})`)));
      bridgeChild!.on('message', (message: FromServer) => {
        if (message.type === 'ready') resolve(message.bridgeAddress);
        else if (message.type === 'usage' || message.type === 'done')
          bridgeAnswers.get(message.id)?.(message);
      });
    });
  }
  let nextQuestion = 1;
  const bridgeUsage = (): Promise<{ cpu: NodeJS.CpuUsage; rssBytes: number }> =>
    new Promise((resolve) => {
      const id = nextQuestion++;
      bridgeAnswers.set(id, (reply) => {
        bridgeAnswers.delete(id);
        if (reply.type === 'usage') resolve({ cpu: reply.cpu, rssBytes: reply.rssBytes });
      });
      bridgeChild!.send({ type: 'usage', id } satisfies ToServer);
    });

  /** In split mode the bridge is profiled too; its profile goes next to the account's. */
  const askBridge = (question: (id: number) => ToServer): Promise<void> =>
    new Promise((resolve, reject) => {
      const id = nextQuestion++;
      bridgeAnswers.set(id, (reply) => {
        bridgeAnswers.delete(id);
        if (reply.type === 'done' && reply.error) reject(new Error(`bridge: ${reply.error}`));
        else resolve();
      });
      bridgeChild!.send(question(id));
    });
  const profileBoth = async (own: Promise<void>, bridge: () => Promise<void>) => {
    await Promise.all([own, bridgeChild ? bridge() : undefined]);
  };

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    if (bridgeChild && bridgeChild.exitCode === null) {
      const exited = new Promise((resolve) => bridgeChild!.once('exit', resolve));
      bridgeChild.send({ type: 'close' } satisfies ToServer);
      await exited;
    }
    await system.close();
    // A normal exit, so that `--cpu-prof` gets to write its profile.
    process.exit(0);
  };

  process.on('message', (message: ToServer) => {
    if (message.type === 'usage') {
      const own = { cpu: process.cpuUsage(), rssBytes: process.memoryUsage.rss() };
      if (!bridgeChild) {
        tell({ type: 'usage', id: message.id, ...own });
        return;
      }
      void bridgeUsage().then((other) =>
        tell({
          type: 'usage',
          id: message.id,
          cpu: { user: own.cpu.user + other.cpu.user, system: own.cpu.system + other.cpu.system },
          rssBytes: own.rssBytes + other.rssBytes,
        }),
      );
    } else if (message.type === 'profile-start') {
      profileBoth(startProfiling(), () => askBridge((id) => ({ type: 'profile-start', id }))).then(
        () => tell({ type: 'done', id: message.id }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
      );
    } else if (message.type === 'profile-stop') {
      profileBoth(stopProfiling(message.file), () =>
        askBridge((id) => ({
          type: 'profile-stop',
          id,
          file: message.file.replace(/\.cpuprofile$/, '.bridge.cpuprofile'),
        })),
      ).then(
        () => tell({ type: 'done', id: message.id }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
      );
    } else if (message.type === 'close') {
      void close();
    }
  });
  // The parent went away (crash, Ctrl-C): do not outlive it.
  process.on('disconnect', () => void close());

  tell({ type: 'ready', bridgeAddress, token });
}

main().catch((error: unknown) => {
  tell({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
