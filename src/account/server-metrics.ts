/**
 * The account server's Prometheus metrics: HTTP requests by route and status, the e-mail
 * outbox by state (read from the store when scraped), what the health monitor knows of
 * each bridge, and process metrics.
 */
import type { Clock } from '../clock.ts';
import { CollectedGauge, Counter, Histogram, MetricsRegistry } from '../metrics.ts';
import type { BridgeHealthRecord, MailState } from './model.ts';
import type { Store } from './store.ts';

export interface AccountMetrics {
  registry: MetricsRegistry;
  recordRequest(route: string, method: string, status: number, seconds: number): void;
}

export function createAccountMetrics(options: {
  store: Store;
  clock: Clock;
  /** The bridges the health monitor watches (empty when it is off). */
  monitoredBridges: readonly string[];
}): AccountMetrics {
  const registry = new MetricsRegistry();
  registry.registerProcessMetrics();
  const requests = registry.register(
    new Counter('scimbridge_account_http_requests_total', 'HTTP requests answered by the account server.', [
      'route',
      'method',
      'status',
    ]),
  );
  const seconds = registry.register(
    new Histogram('scimbridge_account_http_request_duration_seconds', 'Time to answer, by route.', [
      'route',
      'method',
    ]),
  );

  let outbox: Record<MailState, number> = { queued: 0, sent: 0, failed: 0 };
  let bridges: BridgeHealthRecord[] = [];
  registry.beforeRender(async () => {
    outbox = await options.store.countMailByState();
    const records = await Promise.all(
      options.monitoredBridges.map((url) => options.store.getBridgeHealth(url)),
    );
    bridges = records.filter((record): record is BridgeHealthRecord => record !== undefined);
  });
  registry.register(
    new CollectedGauge(
      'scimbridge_outbox_messages',
      'E-mail outbox messages by state.',
      () => Object.entries(outbox).map(([state, value]) => ({ labels: { state }, value })),
      { labelNames: ['state'] },
    ),
  );
  /** One sample per monitored bridge the store has a record of. */
  const bridgeGauge = (name: string, help: string, value: (record: BridgeHealthRecord) => number) =>
    registry.register(
      new CollectedGauge(
        name,
        help,
        () => bridges.map((record) => ({ labels: { bridge: record.bridgeUrl }, value: value(record) })),
        { labelNames: ['bridge'] },
      ),
    );
  bridgeGauge(
    'scimbridge_monitored_bridge_online',
    'Health monitor: 1 when the bridge is online, 0 when offline or not known yet.',
    (record) => (record.state === 'online' ? 1 : 0),
  );
  bridgeGauge(
    'scimbridge_monitored_bridge_consecutive_failures',
    'Health monitor: failed checks in a row per bridge.',
    (record) => record.consecutiveFailures,
  );

  return {
    registry,
    recordRequest(route, method, status, elapsed) {
      requests.inc({ route, method, status: String(status) });
      seconds.observe({ route, method }, elapsed);
    },
  };
}
