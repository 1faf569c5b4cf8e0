/** The Google sync on the bridge's /metrics: runs by outcome, changes by kind, the guard's stop. */
import { CollectedGauge, type MetricsRegistry } from '../../metrics.ts';
import type { GoogleSync } from './sync.ts';

export function registerGoogleSyncMetrics(
  metrics: MetricsRegistry,
  sync: Pick<GoogleSync, 'counters'>,
): void {
  metrics.register(
    new CollectedGauge(
      'scimbridge_google_sync_runs_total',
      'Google Workspace sync runs since the bridge started, by outcome (applied, stopped_by_guard, failed, skipped).',
      () =>
        Object.entries(sync.counters().runsTotal).map(([outcome, value]) => ({ labels: { outcome }, value })),
      { type: 'counter', labelNames: ['outcome'] },
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_google_sync_changes_total',
      'Changes the Google Workspace sync made since the bridge started, by kind.',
      () =>
        Object.entries(sync.counters().changesTotal).map(([change, value]) => ({
          labels: { change },
          value,
        })),
      { type: 'counter', labelNames: ['change'] },
    ),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_google_sync_guard_stopped',
      '1 when the last Google sync run stopped because it would have suspended more than the limit.',
      () => [{ value: sync.counters().guardStopped ? 1 : 0 }],
    ),
  );
  metrics.register(
    new CollectedGauge('scimbridge_google_sync_running', '1 while a Google sync run is under way.', () => [
      { value: sync.counters().running ? 1 : 0 },
    ]),
  );
  metrics.register(
    new CollectedGauge(
      'scimbridge_google_sync_last_run_timestamp_seconds',
      'When the last Google sync run (not skipped) finished (Unix seconds); 0 if never.',
      () => {
        const last = sync.counters().lastRun?.finishedAt;
        return [{ value: last ? Math.round(Date.parse(last) / 1000) : 0 }];
      },
    ),
  );
}
