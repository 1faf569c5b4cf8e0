/**
 * The composition root: the only place that knows the concrete store, client, servers and
 * credentials. `startSystem` runs the account server and one bridge in one process (the
 * default `npm start`); the bridge still reaches the account only through AccountClient.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AccountClient } from './account/client.ts';
import type { SignupSettings } from './account/deps.ts';
import { ensureAccount } from './account/ensure-account.ts';
import { createInProcessAccountClient } from './account/in-process-client.ts';
import { createMailSender, type MailSender } from './account/mail/sender.ts';
import { createSmtpTransport } from './account/mail/smtp-transport.ts';
import { describeSmtpUrl } from './account/mail/smtp-url.ts';
import { HealthMonitor, MONITOR_DEFAULTS } from './account/monitor/health-monitor.ts';
import { createStoreMonitoringTokenCheck, generateMonitoringToken } from './account/monitoring-tokens.ts';
import { createAccountServer } from './account/server.ts';
import { createAccountMetrics } from './account/server-metrics.ts';
import type { Store } from './account/store.ts';
import { createBridgeApp } from './bridge/app.ts';
import { createAuthFailureLimiter } from './bridge/auth-rate-limit.ts';
import { createTokenVerifier } from './bridge/credentials/token-verifier.ts';
import { createBridgeObservability } from './bridge/observability.ts';
import { createAuthenticator } from './bridge/scim/auth.ts';
import type { WatcherStatusSource } from './bridge/watcher-status.ts';
import { type Clock, type IdGenerator, randomIds, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import type { RecentLogLines } from './logging.ts';
import { openStore } from './storage/open-store.ts';

export const VERSION = '0.1.0';

export interface RunningSystem {
  store: Store;
  accountServer: FastifyInstance;
  bridge: FastifyInstance;
  /** Where each listens, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  accountAddress: string;
  bridgeAddress: string;
  /** The health monitor, when turned on (`--monitor`). */
  monitor: HealthMonitor | undefined;
  /** Drains the outbox over SMTP; absent when no SMTP URL is configured (mail stays queued). */
  mailSender: MailSender | undefined;
  close(): Promise<void>;
}

export interface SystemDeps {
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Replaces the store that the config names (tests). */
  store?: Store;
  /** The lines the logger keeps for the status page's log download (see createLogger). */
  recentLogs?: RecentLogLines;
  /** The provision watcher's status, once a watcher runs in this process. */
  watcher?: WatcherStatusSource;
  /** Wraps the bridge's AccountClient (tests: a transport that fails like a network does). */
  wrapAccountClient?: (client: AccountClient) => AccountClient;
  /** Uniform in [0, 1): jitter for mail retries. */
  random?: () => number;
}

/** Invitation and member sign-in settings from the config (shared by the server and the CLI). */
export function signupSettingsOf(config: Config): SignupSettings {
  return {
    accountUrl: config.accountUrl,
    invitationValidityMs: config.invitationValidityHours * 3600 * 1000,
    passwordIterations: config.passwordIterations,
    memberSessionMs: config.memberSessionHours * 3600 * 1000,
  };
}

export async function startSystem(config: Config, deps: SystemDeps): Promise<RunningSystem> {
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const { logger } = deps;
  const store = deps.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const signup = signupSettingsOf(config);
  const accountDeps = { store, clock, ids, accountUrl: config.accountUrl, signup };
  await ensureAccount(accountDeps, { name: config.accountName, ownerEmail: config.ownerEmail });

  const inProcess = createInProcessAccountClient(accountDeps);
  const client = deps.wrapAccountClient ? deps.wrapAccountClient(inProcess) : inProcess;
  const verifier = createTokenVerifier({
    sessionPath: config.sessionPath,
    sessionBase64: config.sessionBase64,
    defaultPath: path.join(config.dataDir, 'scimsession'),
    clock,
  });
  const limiter = createAuthFailureLimiter({ clock });
  const auth = createAuthenticator(verifier, limiter, client);

  // Monitoring tokens (P7). In one process the health monitor may use a token that lives
  // only in memory, so `--monitor` works without a setup step.
  const monitorToken = config.monitor ? (config.monitorToken ?? generateMonitoringToken()) : undefined;
  const monitoring = createStoreMonitoringTokenCheck(accountDeps, {
    extraTokens: monitorToken !== undefined && config.monitorToken === undefined ? [monitorToken] : [],
  });
  const bridgeLogger = logger.child({ part: 'bridge' });
  const observability = createBridgeObservability({
    verifier,
    client,
    limiter,
    logger: bridgeLogger,
    clock,
    version: VERSION,
    watcher: deps.watcher,
    recentLogs: deps.recentLogs,
    monitoring,
    publicUrl: config.publicBridgeUrl,
  });

  const bridge = await createBridgeApp({
    scim: {
      client,
      maxPageSize: config.maxPageSize,
      defaultPageSize: 100,
      bulkMaxOperations: config.bulkMaxOperations,
      maxBodyBytes: config.maxBodyBytes,
    },
    publicUrl: config.publicBridgeUrl,
    auth,
    logger: bridgeLogger,
    trustProxy: config.trustProxy,
    version: VERSION,
    observability,
  });
  const accountServer = await createAccountServer({
    store,
    logger: logger.child({ part: 'account' }),
    bridgeUrl: config.publicBridgeUrl,
    trustProxy: config.trustProxy,
    metrics: {
      metrics: createAccountMetrics({
        store,
        clock,
        monitoredBridges: config.monitor ? config.monitorBridgeUrls : [],
      }),
      monitoring,
    },
    deps: accountDeps,
  });

  let accountAddress: string;
  let bridgeAddress: string;
  try {
    accountAddress = await accountServer.listen({ host: config.host, port: config.consolePort });
    bridgeAddress = await bridge.listen({ host: config.host, port: config.bridgePort });
  } catch (error) {
    await Promise.allSettled([accountServer.close(), bridge.close()]);
    await store.close();
    throw error;
  }

  const monitor =
    monitorToken === undefined
      ? undefined
      : new HealthMonitor(
          { ...accountDeps, logger: logger.child({ part: 'monitor' }) },
          {
            ...MONITOR_DEFAULTS,
            bridgeUrls: config.monitorBridgeUrls,
            intervalMs: config.monitorIntervalSeconds * 1000,
            failuresBeforeOffline: config.monitorFailures,
            minNoticeIntervalMs: config.monitorNoticeIntervalMinutes * 60_000,
            token: monitorToken,
            accountName: (await store.getAccount())?.name ?? config.accountName,
          },
        );
  monitor?.start();
  const mailLogger = logger.child({ part: 'mail' });
  let mailSender: MailSender | undefined;
  if (config.smtpUrl === undefined) {
    mailLogger.info(
      'no SMTP server configured (SCIMBRIDGE_SMTP_URL): e-mail stays queued; read it with `scimbridge mail list`',
    );
  } else {
    mailSender = createMailSender({
      store,
      transport: createSmtpTransport({
        url: config.smtpUrl,
        requireTls: config.smtpRequireTls,
        maxConnections: config.smtpPoolSize,
      }),
      clock,
      ids,
      random: deps.random ?? Math.random,
      logger: mailLogger,
      from: config.mailFrom,
      concurrency: 2 * config.smtpPoolSize,
    });
    mailSender.start();
    mailLogger.info({ smtp: describeSmtpUrl(config.smtpUrl), from: config.mailFrom }, 'mail sender started');
  }

  return {
    store,
    accountServer,
    bridge,
    accountAddress,
    bridgeAddress,
    monitor,
    mailSender,
    async close() {
      await monitor?.stop();
      // Finish in-flight requests and the mail batch in flight, then release the database.
      await Promise.allSettled([bridge.close(), accountServer.close(), mailSender?.stop()]);
      await store.close();
    },
  };
}
