/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format (version 0.0.4). Both services use it for `/metrics`. Written here
 * rather than pulled in, because the format is a page long and we need a fraction of a
 * client library.
 *
 * Label values are escaped as the format requires (backslash, double quote, newline);
 * metric and label names are fixed strings in our code.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

interface Metric {
  readonly name: string;
  render(): string;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((key) => `${key}="${escapeLabelValue(labels[key]!)}"`).join(',')}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

/** The label names are fixed per metric; values are looked up by their joined text. */
function keyOf(labelNames: readonly string[], labels: Labels): string {
  return labelNames.map((name) => labels[name] ?? '').join('\u0000');
}

function pick(labelNames: readonly string[], labels: Labels): Labels {
  const picked: Labels = {};
  for (const name of labelNames) picked[name] = labels[name] ?? '';
  return picked;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(this.labelNames, labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: pick(this.labelNames, labels), value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(this.labelNames, labels))?.value ?? 0;
  }

  render(): string {
    let out = header(this.name, this.help, 'counter');
    for (const { labels, value } of this.values.values()) {
      out += `${this.name}${labelText(labels)} ${numberText(value)}\n`;
    }
    return out;
  }
}

/** A gauge whose samples are read when `/metrics` is rendered. */
export class CollectedGauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => Array<{ labels?: Labels; value: number }>,
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  render(): string {
    let out = header(this.name, this.help, this.type);
    for (const { labels, value } of this.collect()) {
      out += `${this.name}${labelText(labels ?? {})} ${numberText(value)}\n`;
    }
    return out;
  }
}

/** Seconds; buckets suited to HTTP requests from 1 ms to 10 s. */
export const REQUEST_SECONDS_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class Histogram implements Metric {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
    readonly buckets: readonly number[] = REQUEST_SECONDS_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: pick(this.labelNames, labels), counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    // Buckets are cumulative in the exposition format: count into every bucket ≥ value.
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram');
    for (const { labels, counts, sum, count } of this.series.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        out += `${this.name}_bucket${labelText({ ...labels, le: numberText(this.buckets[i]!) })} ${counts[i]}\n`;
      }
      out += `${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}\n`;
      out += `${this.name}_sum${labelText(labels)} ${numberText(sum)}\n`;
      out += `${this.name}_count${labelText(labels)} ${count}\n`;
    }
    return out;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  private readonly collectors: Array<() => Promise<void>> = [];

  register<T extends Metric>(metric: T): T {
    if (this.metrics.some((known) => known.name === metric.name)) {
      throw new Error(`metric ${metric.name} is registered twice`);
    }
    this.metrics.push(metric);
    return metric;
  }

  /** Work to do before rendering (e.g. one query for values that several gauges show). */
  beforeRender(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    return this.metrics.map((metric) => metric.render()).join('');
  }
}

/** CPU, memory, uptime and the event loop's health: the process metrics both services show. */
export function registerProcessMetrics(registry: MetricsRegistry, clock: { now(): Date }): void {
  const startSeconds = (clock.now().getTime() - process.uptime() * 1000) / 1000;
  registry.register(
    new CollectedGauge(
      'process_cpu_seconds_total',
      'User and system CPU time spent, in seconds.',
      () => {
        const usage = process.cpuUsage();
        return [{ value: (usage.user + usage.system) / 1e6 }];
      },
      'counter',
    ),
  );
  registry.register(
    new CollectedGauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => [
      { value: process.memoryUsage.rss() },
    ]),
  );
  registry.register(
    new CollectedGauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => [
      { value: process.memoryUsage().heapUsed },
    ]),
  );
  registry.register(
    new CollectedGauge(
      'process_start_time_seconds',
      'Start time of the process since the Unix epoch, in seconds.',
      () => [{ value: Math.round(startSeconds) }],
    ),
  );
}
