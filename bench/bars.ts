/**
 * The performance bars of issue 2 (durable SQLite, this 2-core machine, concurrency 8) and
 * the verdict of a set of runs against them.
 */
import type { Measurement } from './measure.ts';
import type { RunResult } from './result.ts';

/** Server CPU ms per request at N = 20,000. */
export const CPU_BARS: ReadonlyArray<{ key: string; maxMs: number; what: string }> = [
  { key: 'W1', maxMs: 0.6, what: 'W1 create user' },
  { key: 'W2', maxMs: 0.25, what: 'W2 userName eq lookup' },
  { key: 'W3a-small', maxMs: 0.4, what: 'W3 one member per PATCH, group of 10' },
  { key: 'W3a-big', maxMs: 0.4, what: 'W3 one member per PATCH, big group' },
  { key: 'W4', maxMs: 2, what: 'W4 one page of 100 in a full sweep' },
  { key: 'W5', maxMs: 0.4, what: 'W5 PATCH active=false' },
];
export const CPU_BAR_USERS = 20_000;

/** These cost the same (±25%) at N = 100,000 as at N = 20,000. */
export const SCALING_KEYS = ['W2', 'W3a-small', 'W3a-big', 'W4'] as const;
export const SCALING_TOLERANCE = 0.25;
export const SCALING_USERS = 100_000;

export const PEAK_RSS_BAR_MIB = 200;

/** Issue 15: these cost the same (±25%) at N = 1,000,000 as at N = 20,000 (the 1M run seeds in bulk). */
export const FLAT_KEYS = ['W1', 'W2', 'W4', 'W5'] as const;
export const FLAT_USERS = 1_000_000;
/** Issue 15's tighter memory bar at N = 100,000. */
export const PEAK_RSS_BAR_15_MIB = 150;

export interface BarVerdict {
  bar: string;
  figure: string;
  /** undefined: the run that would decide it has not been made (or this workload was not run). */
  met: boolean | undefined;
}

const ms = (value: number) => `${value.toFixed(3)} ms`;

function find(run: RunResult | undefined, key: string): Measurement | undefined {
  return run?.measurements.find((measurement) => measurement.key === key && !measurement.setup);
}

/** A figure only counts when every request of its workload succeeded. */
function clean(measurement: Measurement | undefined): boolean {
  return measurement !== undefined && measurement.failed === 0 && measurement.problems.length === 0;
}

function unclean(measurement: Measurement): string {
  const parts = [];
  if (measurement.failed > 0) parts.push(`${measurement.failed} failed requests`);
  parts.push(...measurement.problems);
  return parts.join('; ');
}

export function judgeBars(runs: ReadonlyMap<number, RunResult>): BarVerdict[] {
  const verdicts: BarVerdict[] = [];
  const at20k = runs.get(CPU_BAR_USERS);
  const at100k = runs.get(SCALING_USERS);

  for (const bar of CPU_BARS) {
    const measurement = find(at20k, bar.key);
    const text = `${bar.what}: ≤ ${bar.maxMs} ms server CPU at N = 20,000`;
    if (!measurement) verdicts.push({ bar: text, figure: 'not measured', met: undefined });
    else if (!clean(measurement)) {
      verdicts.push({
        bar: text,
        figure: `${ms(measurement.serverCpuMsPerRequest)}, ${unclean(measurement)}`,
        met: false,
      });
    } else {
      verdicts.push({
        bar: text,
        figure: ms(measurement.serverCpuMsPerRequest),
        met: measurement.serverCpuMsPerRequest <= bar.maxMs,
      });
    }
  }

  const scaling = (key: string, users: number, suffix: string) => {
    const base = find(at20k, key);
    const large = find(runs.get(users), key);
    const text = `${key}: same cost (±${SCALING_TOLERANCE * 100}%) at N = ${users.toLocaleString('en')} as at N = 20,000${suffix}`;
    if (!base || !large) {
      verdicts.push({ bar: text, figure: 'not measured', met: undefined });
      return;
    }
    const ratio = large.serverCpuMsPerRequest / base.serverCpuMsPerRequest;
    verdicts.push({
      bar: text,
      figure: `${ms(base.serverCpuMsPerRequest)} → ${ms(large.serverCpuMsPerRequest)} (×${ratio.toFixed(2)})`,
      met: clean(base) && clean(large) && Math.abs(ratio - 1) <= SCALING_TOLERANCE,
    });
  };
  for (const key of SCALING_KEYS) scaling(key, SCALING_USERS, '');
  for (const key of FLAT_KEYS) scaling(key, FLAT_USERS, ' (issue 15)');

  for (const [bar, suffix] of [
    [PEAK_RSS_BAR_MIB, ''],
    [PEAK_RSS_BAR_15_MIB, ' (issue 15)'],
  ] as const) {
    const rssText = `peak RSS ≤ ${bar} MiB at N = 100,000${suffix}`;
    if (!at100k) verdicts.push({ bar: rssText, figure: 'not measured', met: undefined });
    else {
      verdicts.push({
        bar: rssText,
        figure: `${at100k.peakRssMiB.toFixed(0)} MiB`,
        met: at100k.peakRssMiB <= bar,
      });
    }
  }
  return verdicts;
}

/** The CPU bar that applies to a workload key, for the per-run tables. */
export function cpuBarFor(key: string): number | undefined {
  return CPU_BARS.find((bar) => bar.key === key)?.maxMs;
}
