/**
 * Prometheus metrics for both services' `/metrics`, on prom-client: each service owns one
 * registry (never the library's global one, so the account server and the bridge in one
 * process stay apart), with the library's default process and Node.js metrics.
 *
 * The classes here keep what our code needs of a metric small: counters and histograms with
 * fixed label names, and gauges whose samples are read when the page is rendered.
 */
import client from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE: string = client.Registry.PROMETHEUS_CONTENT_TYPE;

type Labels = Record<string, string>;

interface Registrable {
  readonly name: string;
  readonly metric: client.Metric<string>;
}

export class Counter implements Registrable {
  readonly metric: client.Counter<string>;
  constructor(
    readonly name: string,
    help: string,
    labelNames: readonly string[] = [],
  ) {
    this.metric = new client.Counter({ name, help, labelNames, registers: [] });
  }

  inc(labels: Labels = {}, by = 1): void {
    this.metric.inc(labels, by);
  }
}

/** Seconds; buckets suited to HTTP requests from 1 ms to 10 s. */
export const REQUEST_SECONDS_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class Histogram implements Registrable {
  readonly metric: client.Histogram<string>;
  constructor(
    readonly name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets: readonly number[] = REQUEST_SECONDS_BUCKETS,
  ) {
    this.metric = new client.Histogram({ name, help, labelNames, buckets: [...buckets], registers: [] });
  }

  observe(labels: Labels, value: number): void {
    this.metric.observe(labels, value);
  }
}

export interface Sample {
  labels?: Labels;
  value: number;
}

/**
 * A gauge (or a counter kept elsewhere, such as the watcher's runs) whose samples are read
 * when `/metrics` is rendered. Label names must be declared, as for every metric.
 */
export class CollectedGauge implements Registrable {
  readonly metric: client.Metric<string>;
  constructor(
    readonly name: string,
    help: string,
    collectSamples: () => Sample[],
    options: { type?: 'gauge' | 'counter'; labelNames?: readonly string[] } = {},
  ) {
    const labelNames = options.labelNames ?? [];
    if (options.type === 'counter') {
      this.metric = new client.Counter({
        name,
        help,
        labelNames,
        registers: [],
        collect() {
          this.reset();
          for (const sample of collectSamples()) this.inc(sample.labels ?? {}, sample.value);
        },
      });
    } else {
      this.metric = new client.Gauge({
        name,
        help,
        labelNames,
        registers: [],
        collect() {
          this.reset();
          for (const sample of collectSamples()) this.set(sample.labels ?? {}, sample.value);
        },
      });
    }
  }
}

export class MetricsRegistry {
  private readonly registry = new client.Registry();
  private readonly names = new Set<string>();
  private readonly collectors: Array<() => Promise<void>> = [];

  register<T extends Registrable>(metric: T): T {
    if (this.names.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.names.add(metric.name);
    this.registry.registerMetric(metric.metric);
    return metric;
  }

  /** Work to do before rendering (e.g. one query for values that several gauges show). */
  beforeRender(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  /** CPU, memory, start time, the heap and the event loop's delay: the library's defaults. */
  registerProcessMetrics(): void {
    client.collectDefaultMetrics({ register: this.registry });
    for (const metric of this.registry.getMetricsAsArray()) this.names.add(metric.name);
  }

  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    return this.registry.metrics();
  }
}
