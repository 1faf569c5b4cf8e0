/**
 * Everything the bridge knows about itself, built in one place: the request record (status
 * page, metrics), the account-problem log, the metrics registry, the health report and the
 * status page's sessions. main.ts builds it once and hands it to the bridge app; a separate
 * bridge process builds it the same way.
 */

import type { Logger } from 'pino';
import type { AccountClient } from '../account/client.ts';
import type { MonitoringTokenCheck } from '../account/monitoring-tokens.ts';
import type { Clock } from '../clock.ts';
import type { RecentLogLines } from '../logging.ts';
import { CollectedGauge, MetricsRegistry } from '../metrics.ts';
import { AccountProblemLog } from './account-problems.ts';
import { CurrentKeyCheck } from './credentials/current-key.ts';
import type { TokenVerifier } from './credentials/token-verifier.ts';
import type { FailureLimiter } from './failed-token-limit.ts';
import type { IdpName } from './idp-detect.ts';
import { RequestLog } from './request-log.ts';
import { RequestRecord } from './request-record.ts';
import type { SharedRedisStatus } from './shared-redis.ts';
import type { SharedRequestRecords } from './shared-request-record.ts';
import { createBridgeHealth } from './status/health.ts';
import type { StatusRouteDeps } from './status/routes.ts';
import { inProcessPageSessions, type PageSessions, StatusSessions } from './status/sessions.ts';
import type { WatcherStatusSource } from './watcher-status.ts';

export interface BridgeObservability {
  requests: RequestRecord;
  /** The console's SCIM request log, delivered to the account in batches. */
  requestLog?: RequestLog | undefined;
  problems: AccountProblemLog;
  metrics: MetricsRegistry;
  status: StatusRouteDeps;
}

export interface BridgeObservabilityOptions {
  verifier: TokenVerifier;
  client: Pick<AccountClient, 'checkProvisioning'> & Partial<Pick<AccountClient, 'recordScimRequests'>>;
  /** A separate bridge delivers request records only once its session file is unlocked. */
  requestLogNeedsUnlock?: boolean;
  limiter: FailureLimiter;
  logger: Logger;
  clock: Clock;
  version: string;
  /** The provision watcher, when this bridge runs one; shown as "not running" otherwise. */
  watcher?: WatcherStatusSource | undefined;
  recentLogs?: RecentLogLines | undefined;
  monitoring?: MonitoringTokenCheck | undefined;
  /** The bridge's public address (behind a proxy that rewrites Host, sign-ins come from it). */
  publicUrl?: string | undefined;
  /** A separate bridge's "does the account answer at all" for /health while its keys are locked. */
  reachAccount?: ((accountUrl: string) => Promise<void>) | undefined;
  /** The shared Redis's reachability, when SCIMBRIDGE_REDIS_URL is set. */
  sharedState?: (() => SharedRedisStatus) | undefined;
  /** Status-page sessions shared by replicas (replica-sharing.ts); in this process's memory by default. */
  pageSessions?: PageSessions | undefined;
  /** The status page's request records shared by replicas, made with each IdP's usual cycle. */
  sharedRequestRecords?: ((cycleOf: (idp: IdpName) => number) => SharedRequestRecords) | undefined;
  /** Each IdP's usual cycle in minutes, for the silence warning (idp-cycles.ts). */
  idpCycles?: Partial<Record<IdpName, number>> | undefined;
}

export function createBridgeObservability(options: BridgeObservabilityOptions): BridgeObservability {
  const metrics = new MetricsRegistry();
  metrics.registerProcessMetrics();
  const requests = new RequestRecord(options.clock, metrics, options.idpCycles);
  if (options.sharedRequestRecords)
    requests.share(options.sharedRequestRecords((idp) => requests.cycleOf(idp)));
  const problems = new AccountProblemLog(options.logger, options.clock);
  const { watcher, verifier } = options;
  const record = options.client.recordScimRequests?.bind(options.client);
  const requestLog =
    record &&
    new RequestLog({
      deliver: record,
      clock: options.clock,
      logger: options.logger,
      ...(options.requestLogNeedsUnlock ? { ready: () => verifier.session !== undefined } : {}),
    });

  metrics.register(
    new CollectedGauge(
      'scimbridge_bridge_credentials_unlocked',
      '1 once a valid bearer token has unlocked the session file since the bridge started (P11).',
      () => [{ value: verifier.session === undefined ? 0 : 1 }],
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_watcher_running',
      '1 when this bridge runs a provision watcher that has been unlocked and not stopped.',
      () => {
        const state = watcher?.watcherStatus().state;
        return [{ value: state === 'idle' || state === 'running' ? 1 : 0 }];
      },
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_watcher_runs_total',
      'Provision watcher runs since the bridge started.',
      () => [{ value: watcher?.watcherStatus().runsTotal ?? 0 }],
      { type: 'counter' },
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_watcher_confirmed_total',
      'Members the provision watcher confirmed since the bridge started.',
      () => [{ value: watcher?.watcherStatus().confirmedTotal ?? 0 }],
      { type: 'counter' },
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_watcher_unconfirmed_members',
      'Members the last watcher run could not confirm.',
      () => [{ value: watcher?.watcherStatus().failures.length ?? 0 }],
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_watcher_last_run_timestamp_seconds',
      'When the provision watcher last ran (Unix seconds); 0 if never.',
      () => {
        const last = watcher?.watcherStatus().lastRunAt;
        return [{ value: last ? Math.round(Date.parse(last) / 1000) : 0 }];
      },
    ),
  );

  if (requestLog) {
    // Records dropped (queue full), undeliverable or left at a stop: the log says so once, this counts each.
    metrics.register(
      new CollectedGauge(
        'scimbridge_request_log_records_lost_total',
        "SCIM request records that never reached the account's request log: queue full, delivery failed, or still queued when the bridge stopped.",
        () => [{ value: requestLog.lost }],
        { type: 'counter' },
      ),
    );
    metrics.register(
      new CollectedGauge(
        'scimbridge_request_log_records_delivered_total',
        "SCIM request records delivered to the account's request log.",
        () => [{ value: requestLog.delivered }],
        { type: 'counter' },
      ),
    );
  }

  const health = createBridgeHealth({
    verifier,
    client: options.client,
    reachAccount: options.reachAccount,
    problems,
    watcher,
    requests,
    version: options.version,
    clock: options.clock,
    sharedState: options.sharedState,
  });
  const { sharedState } = options;
  if (sharedState !== undefined) {
    metrics.register(
      new CollectedGauge(
        'scimbridge_bridge_redis_reachable',
        '1 while the Redis shared by bridge replicas answers; 0 while this bridge works alone.',
        () => [{ value: sharedState().reachable ? 1 : 0 }],
      ),
    );
  }

  return {
    requests,
    requestLog,
    problems,
    metrics,
    status: {
      verifier,
      health,
      currentKey: new CurrentKeyCheck(options.client),
      sessions: options.pageSessions ?? inProcessPageSessions(new StatusSessions(options.clock)),
      limiter: options.limiter,
      monitoring: options.monitoring,
      recentLogs: options.recentLogs,
      metrics,
      version: options.version,
      clock: options.clock,
      publicUrl: options.publicUrl,
    },
  };
}
