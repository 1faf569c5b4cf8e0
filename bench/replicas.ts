/**
 * `npm run bench -- --replicas 1,2` (issue 13): the split shape — one account server on
 * PostgreSQL and N bridge replicas on one session file — with the load generator spreading its
 * connections over the N bridges (as a round-robin balancer would). Each N is a fresh server
 * and database; for each, creates/s (W1), lookups/s (W2) and server CPU per request summed
 * over all N + 1 processes.
 *
 * On a small machine throughput barely moves with N: the processes share the same cores. The
 * figure that tells whether replicas scale is CPU per request staying flat as N grows — work
 * added per replica (repeated sign-ins, lost batching, duplicated caches) would show there.
 */
import type { Measurement } from './measure.ts';

export interface ReplicaRun {
  bridges: number;
  measurements: readonly Measurement[];
}

export interface ReplicaFigures {
  bridges: number;
  createsPerSecond: number;
  createCpuMs: number;
  lookupsPerSecond: number | undefined;
  lookupCpuMs: number | undefined;
  /** Failed requests over every step of the run; figures of a run with failures measure errors. */
  failed: number;
}

/** The figures of each run, in the order run; W1 counts even when it ran as a setup step. */
export function replicaFigures(runs: readonly ReplicaRun[]): ReplicaFigures[] {
  return runs.map((run) => {
    const of = (key: string) => run.measurements.find((measurement) => measurement.key === key);
    const creates = of('W1');
    const lookups = of('W2');
    if (!creates) throw new Error(`the run with ${run.bridges} bridges has no W1`);
    return {
      bridges: run.bridges,
      createsPerSecond: creates.requestsPerSecond,
      createCpuMs: creates.serverCpuMsPerRequest,
      lookupsPerSecond: lookups?.requestsPerSecond,
      lookupCpuMs: lookups?.serverCpuMsPerRequest,
      failed: run.measurements.reduce((sum, measurement) => sum + measurement.failed, 0),
    };
  });
}

/**
 * A Markdown table as docs/benchmarks.md shows it; each CPU figure also as a ratio to the first
 * row's, the number that says whether a replica adds work.
 */
export function replicasMarkdown(figures: readonly ReplicaFigures[]): string {
  const base = figures[0];
  const whole = (value: number | undefined) =>
    value === undefined ? '–' : Math.round(value).toLocaleString('en');
  const ms = (value: number | undefined, baseValue: number | undefined) => {
    if (value === undefined) return '–';
    const ratio =
      baseValue === undefined || figures.length < 2 ? '' : ` (×${(value / baseValue).toFixed(2)})`;
    return `${value.toFixed(3)}${ratio}`;
  };
  const rows = figures.map(
    (row) =>
      `| ${row.bridges} | ${whole(row.createsPerSecond)} | ${ms(row.createCpuMs, base?.createCpuMs)} | ` +
      `${whole(row.lookupsPerSecond)} | ${ms(row.lookupCpuMs, base?.lookupCpuMs)} | ${row.failed} |`,
  );
  return [
    '| bridges | creates/s | CPU ms per create | lookups/s | CPU ms per lookup | failed |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
