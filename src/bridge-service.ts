/** The bridge service: verifier, account client, watcher, status pages and SCIM server; alone it reaches the account only over HTTP. */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AccountClient } from './account/client.ts';
import { createStaticMonitoringTokenCheck, type MonitoringTokenCheck } from './account/monitoring-tokens.ts';
import {
  type AccountConnectionStatus,
  createHttpAccountClient,
  type HttpAccountClient,
} from './bridge/account-http-client.ts';
import { createBridgeApp } from './bridge/app.ts';
import { createTokenVerifier, type TokenVerifier } from './bridge/credentials/token-verifier.ts';
import { attachGoogleSync } from './bridge/google/from-config.ts';
import { type GoogleSync, googleSyncLeaseMs } from './bridge/google/sync.ts';
import { GroupKeyRing } from './bridge/key-chain/group-key-ring.ts';
import { ProvisionWatcher } from './bridge/key-chain/provision-watcher.ts';
import { createRedisLease } from './bridge/lease.ts';
import { createAccountMonitoringTokenCheck } from './bridge/monitoring-token-check.ts';
import { createBridgeObservability } from './bridge/observability.ts';
import { openReplicaSharing } from './bridge/replica-sharing.ts';
import { createAuthenticator } from './bridge/scim/auth.ts';
import type { WatcherStatusSource } from './bridge/watcher-status.ts';
import { type Clock, systemClock } from './clock.ts';
import { type Config, ConfigError } from './config.ts';
import type { RecentLogLines } from './logging.ts';
import { readTls, VERSION } from './start-shared.ts';

export interface RunningBridge {
  server: FastifyInstance;
  address: string;
  verifier: TokenVerifier;
  client: AccountClient;
  /** The account connection as the HTTP client last found it (status page, P6); undefined in process. */
  accountConnection: (() => AccountConnectionStatus) | undefined;
  /** The provision watcher (P10, P11): starts when a token opens the session file; implements WatcherStatusSource. */
  watcher: ProvisionWatcher;
  /** The Google Workspace sync (P21), when a service-account key was given. */
  google: GoogleSync | undefined;
  close(): Promise<void>;
}

/** A bridge; `client` given (one process) or, by default, the HTTP client towards the session file's account URL. */
export async function startBridgeService(
  config: Config,
  deps: {
    logger: Logger;
    clock?: Clock;
    client?: (verifier: TokenVerifier) => AccountClient;
    /** Where the session file is looked for when nothing names it (the one-process data folder). */
    defaultSessionPath?: string;
    /** Monitoring tokens checked against the store (one process); without it, asked of the account. SCIMBRIDGE_MONITOR_TOKEN is accepted first. */
    monitoring?: MonitoringTokenCheck;
    /** How long a separate bridge remembers a monitoring token the account said is valid (tests shorten it). */
    monitoringCacheMs?: number;
    recentLogs?: RecentLogLines;
    watcherStatus?: WatcherStatusSource;
    wrapAccountClient?: (client: AccountClient) => AccountClient;
    /** How often the watcher reads the sign-up counter; default 5 s. */
    signUpPollMs?: number;
  },
): Promise<RunningBridge> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger.child({ part: 'bridge' });
  const tls = readTls(config);
  const verifier = createTokenVerifier({
    sessionPath: config.sessionPath,
    sessionBase64: config.sessionBase64,
    defaultPath: deps.defaultSessionPath,
    clock,
  });
  const httpClient: HttpAccountClient | undefined = deps.client
    ? undefined
    : createHttpAccountClient({
        session: () => verifier.session,
        accountUrlOverride: config.accountUrlOverride,
        logger,
      });
  const direct = deps.client?.(verifier) ?? (httpClient as HttpAccountClient);
  const client = deps.wrapAccountClient ? deps.wrapAccountClient(direct) : direct;
  // Redis (when configured) carries what replicas share: the failed-token limit, status-page sessions, request records, the watcher's lease.
  const replicas = openReplicaSharing(config, logger, clock);
  const limiter = replicas.limiter;
  const auth = createAuthenticator(verifier, limiter, client);
  // The provisioning key exists in this process only after a valid token opened the session file (P11).
  const groupKeys = new GroupKeyRing(
    client,
    () => {
      const session = verifier.session;
      return session
        ? { privateKey: session.keys.provisioningPrivateKey, publicKey: session.provisioningPublicKey }
        : undefined;
    },
    logger,
  );
  const watcher = new ProvisionWatcher({
    client,
    keyRing: groupKeys,
    clock,
    logger,
    intervalSeconds: config.confirmationInterval,
    ...(replicas.watcherLease ? { lease: replicas.watcherLease } : {}),
    ...(deps.signUpPollMs !== undefined ? { signUpPollMs: deps.signUpPollMs } : {}),
  });
  // The first good IdP request or status-page sign-in opens the session file and starts the watcher, again on a new file (P2).
  verifier.onUnlock(() => watcher.start());
  const observability = createBridgeObservability({
    verifier,
    client,
    limiter,
    logger,
    clock,
    version: VERSION,
    watcher: deps.watcherStatus ?? watcher,
    recentLogs: deps.recentLogs,
    // Own SCIMBRIDGE_MONITOR_TOKEN first, so the monitor still reads a bridge whose account link is down; then account tokens (P7).
    monitoring: createStaticMonitoringTokenCheck(
      config.monitorToken === undefined ? [] : [config.monitorToken],
      deps.monitoring ??
        createAccountMonitoringTokenCheck({
          account: client,
          clock,
          logger,
          ...(deps.monitoringCacheMs !== undefined ? { cacheMs: deps.monitoringCacheMs } : {}),
        }),
    ),
    publicUrl: config.publicBridgeUrl,
    idpCycles: config.idpCycles,
    reachAccount: httpClient ? (accountUrl) => httpClient.reach(accountUrl) : undefined,
    sharedState: replicas.status,
    pageSessions: replicas.pageSessions,
    sharedRequestRecords: replicas.requestRecords,
    requestLogNeedsUnlock: httpClient !== undefined,
  });
  const google = attachGoogleSync(config, {
    client,
    logger,
    verifier,
    observability,
    lease: replicas.redis
      ? createRedisLease({
          name: 'google-sync',
          ttlMs: googleSyncLeaseMs(config.googleSyncMinutes),
          redis: replicas.redis,
        })
      : undefined,
  });
  try {
    if (config.tokenFile !== undefined) await unlockAtStart(verifier, config.tokenFile);
  } catch (error) {
    watcher.stop();
    await google?.stop();
    httpClient?.close();
    await replicas.close();
    throw error;
  }
  const server = await createBridgeApp({
    scim: {
      client,
      maxPageSize: config.maxPageSize,
      defaultPageSize: 100,
      groupKeys,
      bulkMaxOperations: config.bulkMaxOperations,
      maxBodyBytes: config.maxBodyBytes,
    },
    publicUrl: config.publicBridgeUrl,
    auth,
    logger,
    trustProxy: config.trustProxy,
    version: VERSION,
    tls,
    observability,
  });
  let address: string;
  try {
    address = await server.listen({ host: config.host, port: config.bridgePort });
  } catch (error) {
    watcher.stop();
    await google?.stop();
    await server.close();
    httpClient?.close();
    await replicas.close();
    throw error;
  }
  return {
    server,
    address,
    verifier,
    client,
    accountConnection: httpClient ? () => httpClient.connectionStatus() : undefined,
    watcher,
    google,
    async close() {
      // Stop the watcher and let its member in hand finish before the account connection goes.
      watcher.stop();
      await Promise.allSettled([server.close(), watcher.runNow(), google?.stop()]);
      httpClient?.close();
      await replicas.close();
    },
  };
}

/** Boot-time token opt-in (P11): a token that does not open the session file stops the start, as running on would look healthy yet refuse every IdP. */
async function unlockAtStart(verifier: TokenVerifier, tokenFile: string): Promise<void> {
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(
      `cannot read the token file ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}): fix --token-file (SCIMBRIDGE_TOKEN_FILE)`,
    );
  }
  const check = await verifier.verifyToken(token);
  if (check.ok) return;
  switch (check.reason) {
    case 'wrong_token':
      throw new ConfigError(
        `the token in ${tokenFile} does not open the session file (${verifier.sessionSource}): they come from different credentials; give the bridge the token and the session file that one \`scimbridge provisioning setup\` wrote`,
      );
    case 'session_unavailable':
      throw new ConfigError(`cannot read the session file: ${verifier.sessionProblem ?? 'unknown problem'}`);
    default:
      throw new ConfigError(
        `${tokenFile} does not hold a bearer token (sbt_…): fix --token-file (SCIMBRIDGE_TOKEN_FILE)`,
      );
  }
}
