/**
 * `npm run bench -- --mode compare`: what a separate bridge costs over one process, both
 * processes' CPU counted, measured so that a noisy machine does not decide it. The two modes
 * run alternately, the order flipped in every pair, and each workload is judged by the
 * difference of the two medians against issue 15's bars: at most 0.15 ms of CPU per request,
 * and 1.5 ms per page of 100 (W4). The ratio of the medians (issue 4's bar, ≤ 1.5) is shown
 * beside it.
 */
import type { Measurement } from './measure.ts';

export const SPLIT_BAR_RATIO = 1.5;
/** Issue 15: CPU ms a separate bridge may add to one SCIM request. */
export const SPLIT_BAR_MS_PER_REQUEST = 0.15;
/** Issue 15: CPU ms a separate bridge may add to one page of 100 users (W4). */
export const SPLIT_BAR_MS_PER_PAGE = 1.5;
/** The workloads whose requests are pages of 100. */
const PAGE_KEYS: ReadonlySet<string> = new Set(['W4']);

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
  /** What one request of this workload is, for the bar: a page of 100 (W4) or any other request. */
  per: 'request' | 'page';
  /** The most `addedMs` may be (issue 15). */
  barMs: number;
  met: boolean;
  ratio: number;
  /** Issue 4's bar: split ≤ 1.5 × one-process. */
  ratioMet: boolean;
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
    const addedMs = splitMedian - oneProcessMedian;
    const per = PAGE_KEYS.has(key) ? 'page' : 'request';
    const barMs = per === 'page' ? SPLIT_BAR_MS_PER_PAGE : SPLIT_BAR_MS_PER_REQUEST;
    workloads.push({
      key,
      label: entry.label,
      oneProcess: entry.oneProcess,
      split: entry.split,
      oneProcessMedian,
      splitMedian,
      addedMs,
      per,
      barMs,
      met: addedMs <= barMs,
      ratio,
      ratioMet: ratio <= SPLIT_BAR_RATIO,
    });
  }
  return { workloads, skipped };
}

/**
 * A Markdown table, as docs/benchmarks.md shows it. The verdict is on what a separate bridge
 * adds in milliseconds: that figure stays about the same from one machine state to the next,
 * where the ratio moves with the one-process figure.
 */
export function comparisonMarkdown(workloads: readonly ComparedWorkload[]): string {
  const figures = (values: readonly number[]) => values.map((value) => value.toFixed(3)).join(', ');
  const verdict = (met: boolean) => (met ? 'met' : 'not met');
  const rows = workloads.map(
    (workload) =>
      `| ${workload.key} | ${figures(workload.oneProcess)} | ${figures(workload.split)} | ` +
      `${workload.oneProcessMedian.toFixed(3)} → ${workload.splitMedian.toFixed(3)} | ` +
      `${workload.addedMs.toFixed(3)} per ${workload.per === 'page' ? 'page of 100' : 'request'} | ` +
      `≤ ${workload.barMs} ms: ${verdict(workload.met)} | ` +
      `${workload.ratio.toFixed(2)} (${verdict(workload.ratioMet)}) |`,
  );
  return [
    `| workload | one-process | split | median → median | added ms | bar (issue 15) | ratio (≤ ${SPLIT_BAR_RATIO}, issue 4) |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
