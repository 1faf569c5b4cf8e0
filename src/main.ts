/** The composition root: the only place that knows the concrete store, client, servers and credentials. */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AccountClient } from './account/client.ts';
import type { AccountDeps, SignupSettings } from './account/deps.ts';
import { ensureAccount } from './account/ensure-account.ts';
import { createFirewallGate } from './account/firewall/gate.ts';
import { EMPTY_NETWORK_LIST, type NetworkList, NetworkListError } from './account/firewall/network-list.ts';
import {
  type NetworkListSource,
  readNetworkListFile,
  watchNetworkListFile,
} from './account/firewall/network-list-file.ts';
import { createInProcessAccountClient } from './account/in-process-client.ts';
import {
  type LoadedOutboxKey,
  loadOutboxKey,
  OUTBOX_KEY_FILE_NAME,
  OutboxKeyError,
} from './account/mail/outbox-key-file.ts';
import { sealQueuedLinks } from './account/mail/seal-queued-links.ts';
import { createMailSender, type MailSender } from './account/mail/sender.ts';
import { createSmtpTransport } from './account/mail/smtp-transport.ts';
import { describeSmtpUrl } from './account/mail/smtp-url.ts';
import { HealthMonitor, MONITOR_DEFAULTS } from './account/monitor/health-monitor.ts';
import {
  createStoreMonitoringTokenCheck,
  generateMonitoringToken,
  type MonitoringTokenCheck,
} from './account/monitoring-tokens.ts';
import { issueOwnerSetupLink } from './account/owner-setup.ts';
import { createAccountServer } from './account/server.ts';
import { createAccountMetrics } from './account/server-metrics.ts';
import type { Store } from './account/store.ts';
import type { ProvisionWatcher } from './bridge/key-chain/provision-watcher.ts';
import type { WatcherStatus, WatcherStatusSource } from './bridge/watcher-status.ts';
import { type RunningBridge, startBridgeService } from './bridge-service.ts';
import { type Clock, type IdGenerator, randomIds, systemClock } from './clock.ts';
import { storageArgs } from './command-hints.ts';
import { type Config, ConfigError } from './config.ts';
import { checkDataDir, prepareDataDir } from './data-dir.ts';
import type { RecentLogLines } from './logging.ts';
import { readTls } from './start-shared.ts';
import { sqliteOpenFailure } from './storage/open-failure.ts';
import { openStore, SQLITE_FILE_NAME } from './storage/open-store.ts';

export { type RunningBridge, startBridgeService } from './bridge-service.ts';
export { readTls, VERSION } from './start-shared.ts';

export interface RunningSystem {
  store: Store;
  /** What the account use cases run with here (the benchmark seeds large accounts through them). */
  accountDeps: AccountDeps;
  accountServer: FastifyInstance;
  bridge: FastifyInstance;
  /** Where each listens, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  accountAddress: string;
  bridgeAddress: string;
  /** Drains the outbox over SMTP; absent when no SMTP URL is configured (mail stays queued). */
  mailSender: MailSender | undefined;
  monitor: HealthMonitor | undefined;
  /** Confirms pending members once the bridge has a valid token (P10, P11); the status page reads it. */
  watcher: ProvisionWatcher;
  /** The owner's one-time setup link, made at the first start (a secret: printed, never logged). */
  ownerSetupLink: string | undefined;
  close(): Promise<void>;
}

export interface SystemDeps {
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  store?: Store;
  /** In process (default), or over the account API on loopback like a separate bridge (tests of the HTTP transport). */
  accountTransport?: 'in-process' | 'http';
  /** Uniform in [0, 1): jitter for mail retries. */
  random?: () => number;
  /** The lines the logger keeps for the status page's log download (see createLogger). */
  recentLogs?: RecentLogLines;
  /** Replaces what the status page shows of the provision watcher (tests of the page's states). */
  watcherStatus?: WatcherStatusSource;
  /** Wraps the bridge's AccountClient (tests: a transport that fails like a network does). */
  wrapAccountClient?: (client: AccountClient) => AccountClient;
  /** How often the watcher reads the sign-up counter (tests shorten it); default 5 s. */
  signUpPollMs?: number;
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

export interface RunningAccount {
  store: Store;
  server: FastifyInstance;
  address: string;
  deps: AccountDeps;
  mailSender: MailSender | undefined;
  monitor: HealthMonitor | undefined;
  /** Checks monitoring tokens against the store (and the monitor's own in-memory token). */
  monitoring: MonitoringTokenCheck;
  /** The owner's one-time setup link, made at the first start (a secret: printed, never logged). */
  ownerSetupLink: string | undefined;
  close(): Promise<void>;
}

/** The outbox-seal key: SCIMBRIDGE_OUTBOX_KEY, else `<dataDir>/outbox.key`, made on first use when `create`. */
export function openOutboxKey(config: Config, options: { create: boolean }): LoadedOutboxKey | undefined {
  try {
    if (options.create && config.outboxKey === undefined) prepareDataDir(config.dataDir);
    return loadOutboxKey({
      value: config.outboxKey,
      file: path.join(config.dataDir, OUTBOX_KEY_FILE_NAME),
      create: options.create,
    });
  } catch (error) {
    if (error instanceof OutboxKeyError) throw new ConfigError(error.message);
    // The data directory is unusable: the same one line as when the database cannot be opened there.
    if (typeof (error as { code?: unknown }).code === 'string' && !(error instanceof ConfigError)) {
      throw sqliteOpenFailure(error, config.dataDir, path.join(config.dataDir, SQLITE_FILE_NAME));
    }
    throw error;
  }
}

/** Warns on files others may read; refuses (ConfigError) when others may write or read the outbox key. */
export function checkDataDirAtStart(config: Config, logger: Logger): void {
  const findings = checkDataDir(config.dataDir, [OUTBOX_KEY_FILE_NAME]);
  const refusals = findings.filter((finding) => finding.severity === 'refusal');
  if (refusals.length > 0) throw new ConfigError(refusals.map((finding) => finding.message).join('; '));
  for (const finding of findings) {
    logger.warn({ path: finding.path, mode: `0${finding.mode.toString(8)}` }, finding.message);
  }
}

function readNetworkList(config: Config): NetworkList {
  if (config.networkListFile === undefined) return EMPTY_NETWORK_LIST;
  try {
    return readNetworkListFile(config.networkListFile);
  } catch (error) {
    if (error instanceof NetworkListError) throw new ConfigError(error.message);
    throw error;
  }
}

/** The account server alone: store, console, member pages, account API, mail sender. Listens on the console port. */
export async function startAccountService(
  config: Config,
  deps: Omit<SystemDeps, 'accountTransport' | 'watcherStatus' | 'recentLogs' | 'wrapAccountClient'> & {
    /** Leave the health monitor for the caller to start (one process: once the bridge listens). */
    deferMonitor?: boolean;
    /** One process: where the bridge beside it reads its session file. */
    localSessionPath?: string;
    /** One process: the bridge's watcher, once the bridge runs (the console's overview shows it). */
    localWatcher?: () => WatcherStatus | undefined;
  },
): Promise<RunningAccount> {
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const tls = readTls(config);
  const networkList: NetworkListSource =
    config.networkListFile === undefined
      ? { current: () => EMPTY_NETWORK_LIST, close() {} }
      : watchNetworkListFile(
          config.networkListFile,
          readNetworkList(config),
          deps.logger.child({ part: 'account' }),
        );
  const startLogger = deps.logger.child({ part: 'account' });
  let outboxKey: LoadedOutboxKey;
  try {
    checkDataDirAtStart(config, startLogger);
    outboxKey = openOutboxKey(config, { create: true })!;
  } catch (error) {
    networkList.close();
    throw error;
  }
  if (outboxKey.created) {
    startLogger.info(
      { path: outboxKey.source, keyId: outboxKey.seal.keyId },
      'made the outbox key that seals links in queued mail; keep it with the data directory (it is not in the database)',
    );
  }
  if (config.databaseUrl !== undefined && config.outboxKey === undefined) {
    startLogger.info(
      { path: outboxKey.source, keyId: outboxKey.seal.keyId },
      'queued mail links are sealed with the outbox key file; several account servers on one database must share one key (SCIMBRIDGE_OUTBOX_KEY)',
    );
  }
  const store = deps.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const accountDeps: AccountDeps = {
    store,
    clock,
    ids,
    accountUrl: config.accountUrl,
    signup: signupSettingsOf(config),
    outboxSeal: outboxKey.seal,
  };
  // Monitoring tokens (P7). Without SCIMBRIDGE_MONITOR_TOKEN the health monitor uses a token
  // that lives only in this process's memory; a bridge in the same process accepts it.
  const monitorToken = config.monitor ? (config.monitorToken ?? generateMonitoringToken()) : undefined;
  const monitoring = createStoreMonitoringTokenCheck(accountDeps, {
    extraTokens: monitorToken !== undefined && config.monitorToken === undefined ? [monitorToken] : [],
  });
  let server: FastifyInstance | undefined;
  try {
    // Only pre-sealing versions left clear links (and no outbox.key): scan on a new key file or an env key only.
    const mayHoldClearLinks = outboxKey.created || config.outboxKey !== undefined;
    const resealed = mayHoldClearLinks ? await sealQueuedLinks(store, outboxKey.seal) : 0;
    if (resealed > 0)
      startLogger.info({ messages: resealed }, 'sealed the clear links of mail queued by an earlier version');
    const { account, owner, created, ownerEmailIgnored } = await ensureAccount(accountDeps, {
      name: config.accountName,
      ownerEmail: config.ownerEmail,
    });
    if (ownerEmailIgnored) {
      deps.logger.warn(
        { part: 'account' },
        "SCIMBRIDGE_OWNER_EMAIL names someone other than the account's owner; it is ignored: an account has one owner, made at the first start",
      );
    }
    // The first start prints the owner's setup link; later, `scimbridge owner setup-link` makes a new one.
    const ownerSetupLink =
      created && owner.state === 'invited' ? (await issueOwnerSetupLink(accountDeps)).link : undefined;
    server = await createAccountServer({
      store,
      logger: deps.logger.child({ part: 'account' }),
      bridgeUrl: config.publicBridgeUrl,
      trustProxy: config.trustProxy,
      deps: accountDeps,
      localSessionPath: deps.localSessionPath,
      monitoredBridges: config.monitor ? config.monitorBridgeUrls : [],
      localWatcher: deps.localWatcher,
      tls,
      metrics: {
        metrics: createAccountMetrics({
          store,
          clock,
          monitoredBridges: config.monitor ? config.monitorBridgeUrls : [],
        }),
        monitoring,
      },
      api: {
        deps: accountDeps,
        client: createInProcessAccountClient(accountDeps),
        firewall: createFirewallGate(accountDeps, networkList.current),
      },
    });
    const address = await server.listen({ host: config.host, port: config.consolePort });
    const running = server;
    const mailSender = startMailSender(config, accountDeps, deps);
    const monitor =
      monitorToken === undefined
        ? undefined
        : new HealthMonitor(
            { ...accountDeps, logger: deps.logger.child({ part: 'monitor' }) },
            {
              ...MONITOR_DEFAULTS,
              bridgeUrls: config.monitorBridgeUrls,
              intervalMs: config.monitorIntervalSeconds * 1000,
              failuresBeforeOffline: config.monitorFailures,
              minNoticeIntervalMs: config.monitorNoticeIntervalMinutes * 60_000,
              token: monitorToken,
              accountName: account.name,
            },
          );
    if (deps.deferMonitor !== true) monitor?.start();
    return {
      store,
      server: running,
      address,
      deps: accountDeps,
      mailSender,
      monitor,
      monitoring,
      ownerSetupLink,
      async close() {
        networkList.close();
        await monitor?.stop();
        // Finish in-flight requests and the mail batch in flight, then release the database.
        await Promise.allSettled([running.close(), mailSender?.stop()]);
        await store.close();
      },
    };
  } catch (error) {
    networkList.close();
    await server?.close();
    if (deps.store === undefined) await store.close();
    throw error;
  }
}

function startMailSender(
  config: Config,
  accountDeps: AccountDeps,
  deps: Pick<SystemDeps, 'logger' | 'random'>,
): MailSender | undefined {
  const mailLogger = deps.logger.child({ part: 'mail' });
  if (config.smtpUrl === undefined) {
    mailLogger.info(
      `no SMTP server configured (SCIMBRIDGE_SMTP_URL): e-mail stays queued; read it with \`scimbridge mail list${storageArgs(config)}\``,
    );
    return undefined;
  }
  const mailSender = createMailSender({
    store: accountDeps.store,
    transport: createSmtpTransport({
      url: config.smtpUrl,
      requireTls: config.smtpRequireTls,
      maxConnections: config.smtpPoolSize,
    }),
    clock: accountDeps.clock,
    ids: accountDeps.ids,
    random: deps.random ?? Math.random,
    logger: mailLogger,
    from: config.mailFrom,
    seal: accountDeps.outboxSeal,
    concurrency: 2 * config.smtpPoolSize,
  });
  mailSender.start();
  mailLogger.info({ smtp: describeSmtpUrl(config.smtpUrl), from: config.mailFrom }, 'mail sender started');
  return mailSender;
}

export async function startSystem(config: Config, deps: SystemDeps): Promise<RunningSystem> {
  // The bridge starts after the account server; the console reads its watcher once it exists.
  let localBridge: RunningBridge | undefined;
  const account = await startAccountService(config, {
    ...deps,
    deferMonitor: true,
    localWatcher: () => (deps.watcherStatus ?? localBridge?.watcher)?.watcherStatus(),
    // The console writes new credentials where this bridge finds them, unless SCIMBRIDGE_SESSION names another file.
    ...(config.sessionPath === undefined
      ? { localSessionPath: path.join(config.dataDir, 'scimsession') }
      : {}),
  });
  let bridge: RunningBridge;
  try {
    // Over HTTP the bridge builds its own account API client, exactly as a bridge alone would.
    bridge = await startBridgeService(
      deps.accountTransport === 'http' ? { ...config, accountUrlOverride: account.address } : config,
      {
        logger: deps.logger,
        clock: deps.clock,
        defaultSessionPath: path.join(config.dataDir, 'scimsession'),
        monitoring: account.monitoring,
        recentLogs: deps.recentLogs,
        watcherStatus: deps.watcherStatus,
        wrapAccountClient: deps.wrapAccountClient,
        signUpPollMs: deps.signUpPollMs,
        ...(deps.accountTransport === 'http'
          ? {}
          : { client: () => createInProcessAccountClient(account.deps) }),
      },
    );
  } catch (error) {
    await account.close();
    throw error;
  }

  localBridge = bridge;
  // The first check goes to a bridge that is already listening.
  account.monitor?.start();
  return {
    store: account.store,
    accountDeps: account.deps,
    accountServer: account.server,
    bridge: bridge.server,
    accountAddress: account.address,
    bridgeAddress: bridge.address,
    mailSender: account.mailSender,
    monitor: account.monitor,
    watcher: bridge.watcher,
    ownerSetupLink: account.ownerSetupLink,
    async close() {
      // Finish in-flight requests first, then release the database.
      await bridge.close();
      await account.close();
    },
  };
}
