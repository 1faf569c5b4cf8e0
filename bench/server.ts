/**
 * The server under test, run as a child of the benchmark so that the load generator's work
 * never lands on the server's CPU clock. It starts the whole system (account server and
 * bridge, as `npm start` does) on ephemeral loopback ports, turns provisioning on, and
 * answers the parent's questions about its own CPU time over IPC.
 *
 * Usage (by bench/server-process.ts): `server.ts --data-dir DIR [--database-url URL] [--smtp-url URL]`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setupProvisioning } from '../src/account/setup-provisioning.ts';
import { randomIds, systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { serializeSessionFile } from '../src/crypto/credentials/session-file.ts';
import { createLogger } from '../src/logging.ts';
import { type RunningSystem, startSystem } from '../src/main.ts';
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
  const system: RunningSystem = await startSystem(config, { logger });

  // The session file has to be in place before the first SCIM request: the bridge opens it
  // with the token on first use.
  const { token, sessionFile } = await setupProvisioning(
    { store: system.store, clock: systemClock, ids: randomIds },
    { accountUrl: system.accountAddress },
  );
  await writeFile(path.join(dataDir, 'scimsession'), serializeSessionFile(sessionFile), { mode: 0o600 });

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await system.close();
    // A normal exit, so that `--cpu-prof` gets to write its profile.
    process.exit(0);
  };

  process.on('message', (message: ToServer) => {
    if (message.type === 'usage') {
      tell({ type: 'usage', id: message.id, cpu: process.cpuUsage(), rssBytes: process.memoryUsage.rss() });
    } else if (message.type === 'profile-start') {
      startProfiling().then(
        () => tell({ type: 'done', id: message.id }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
      );
    } else if (message.type === 'profile-stop') {
      stopProfiling(message.file).then(
        () => tell({ type: 'done', id: message.id }),
        (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
      );
    } else if (message.type === 'close') {
      void close();
    }
  });
  // The parent went away (crash, Ctrl-C): do not outlive it.
  process.on('disconnect', () => void close());

  tell({ type: 'ready', bridgeAddress: system.bridgeAddress, token });
}

main().catch((error: unknown) => {
  tell({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
