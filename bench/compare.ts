/**
 * `npm run bench -- --mode compare`: the split-mode bar of issue 4 (a separate bridge costs
 * at most 1.5 times the one-process CPU per SCIM request), measured so that a noisy machine
 * does not decide it. The two modes run alternately, the order flipped in every pair, and
 * each workload's verdict is the ratio of the two medians.
 */
import type { Measurement } from './measure.ts';

export const SPLIT_BAR_RATIO = 1.5;

export type Mode = 'one-process' | 'split';

export interface ComparedWorkload {
  key: string;
  label: string;
  oneProcess: number[];
  split: number[];
  oneProcessMedian: number;
  splitMedian: number;
  /** What a separate bridge adds, in CPU ms per request (split median − one-process median). */
  addedMs: number;
  ratio: number;
  met: boolean;
}

/** The order of the two modes in pair `index` (0-based): flipped every pair. */
export function pairOrder(index: number): [Mode, Mode] {
  return index % 2 === 0 ? ['one-process', 'split'] : ['split', 'one-process'];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Per workload (setup steps left out), the CPU ms per request of every run in each mode, the
 * medians and their ratio. A workload that failed requests in any run is left out of the
 * verdict: its figures measure error answers.
 */
export function compareRuns(runs: ReadonlyArray<{ mode: Mode; measurements: readonly Measurement[] }>): {
  workloads: ComparedWorkload[];
  skipped: string[];
} {
  const byKey = new Map<string, { label: string; oneProcess: number[]; split: number[]; failed: boolean }>();
  for (const run of runs) {
    for (const measurement of run.measurements) {
      if (measurement.setup) continue;
      const entry = byKey.get(measurement.key) ?? {
        label: measurement.label,
        oneProcess: [],
        split: [],
        failed: false,
      };
      (run.mode === 'split' ? entry.split : entry.oneProcess).push(measurement.serverCpuMsPerRequest);
      if (measurement.failed > 0) entry.failed = true;
      byKey.set(measurement.key, entry);
    }
  }
  const workloads: ComparedWorkload[] = [];
  const skipped: string[] = [];
  for (const [key, entry] of byKey) {
    if (entry.failed || entry.oneProcess.length === 0 || entry.split.length === 0) {
      skipped.push(key);
      continue;
    }
    const oneProcessMedian = median(entry.oneProcess);
    const splitMedian = median(entry.split);
    const ratio = splitMedian / oneProcessMedian;
    workloads.push({
      key,
      label: entry.label,
      oneProcess: entry.oneProcess,
      split: entry.split,
      oneProcessMedian,
      splitMedian,
      addedMs: splitMedian - oneProcessMedian,
      ratio,
      met: ratio <= SPLIT_BAR_RATIO,
    });
  }
  return { workloads, skipped };
}

/**
 * A Markdown table, as docs/benchmarks.md shows it. Besides the ratio it shows what a
 * separate bridge adds in milliseconds: that figure stays about the same from one machine
 * state to the next, where the ratio moves with the one-process figure.
 */
export function comparisonMarkdown(workloads: readonly ComparedWorkload[]): string {
  const figures = (values: readonly number[]) => values.map((value) => value.toFixed(3)).join(', ');
  const rows = workloads.map(
    (workload) =>
      `| ${workload.key} | ${figures(workload.oneProcess)} | ${figures(workload.split)} | ` +
      `${workload.oneProcessMedian.toFixed(3)} → ${workload.splitMedian.toFixed(3)} | ` +
      `${workload.addedMs.toFixed(3)} | ${workload.ratio.toFixed(2)} | ${workload.met ? 'met' : 'not met'} |`,
  );
  return [
    `| workload | one-process | split | median → median | added ms | ratio | ≤ ${SPLIT_BAR_RATIO} |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
