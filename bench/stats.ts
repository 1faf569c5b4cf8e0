/**
 * Latency statistics over exact per-request samples. Percentiles use the nearest-rank
 * method (the smallest sample with at least p% of samples at or below it), so p99 of a run
 * is always a latency that some request really had.
 */

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of samples that are already sorted ascending. */
export function percentileOfSorted(sorted: Float64Array, percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (percent <= 0) return sorted[0]!;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function summarizeLatencies(samplesMs: Float64Array): LatencySummary {
  if (samplesMs.length === 0) {
    return { count: 0, meanMs: Number.NaN, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN };
  }
  // Sort a copy: the caller's array keeps request order (useful when debugging a run).
  const sorted = Float64Array.from(samplesMs).sort();
  let total = 0;
  for (const sample of sorted) total += sample;
  return {
    count: sorted.length,
    meanMs: total / sorted.length,
    p50Ms: percentileOfSorted(sorted, 50),
    p99Ms: percentileOfSorted(sorted, 99),
    maxMs: sorted[sorted.length - 1]!,
  };
}

/** A process's CPU clock as `process.cpuUsage()` reports it (microseconds). */
export interface CpuTimes {
  user: number;
  system: number;
}

/**
 * Server CPU per request: the server's user+system time over the workload divided by the
 * requests it answered. This is the figure the bars are set in, because unlike req/s it does
 * not depend on the load generator or on neighbours sharing the machine.
 */
export function cpuMsPerRequest(before: CpuTimes, after: CpuTimes, requests: number): number {
  if (requests <= 0) return Number.NaN;
  const micros = after.user - before.user + (after.system - before.system);
  return micros / 1000 / requests;
}
