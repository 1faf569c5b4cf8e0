/**
 * One measured workload: the server's CPU clock and peak memory are read around a load run,
 * and the result is reduced to the figures the report prints.
 */
import path from 'node:path';
import { type LoadPlan, type LoadResult, runLoad } from './load.ts';
import type { ServerUnderTest } from './server-process.ts';
import { cpuMsPerRequest, type LatencySummary, summarizeLatencies } from './stats.ts';

export interface Measurement {
  /** Stable key the bars refer to, e.g. `W3a-big`. */
  key: string;
  label: string;
  /** Setup steps are measured and shown, but no bar applies to them. */
  setup: boolean;
  requests: number;
  succeeded: number;
  failed: number;
  failuresByReason: Record<string, number>;
  failureSamples: LoadResult['failureSamples'];
  stoppedByDeadline: boolean;
  wallMs: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  serverCpuMsPerRequest: number;
  /** Peak resident memory of the server during this workload (since start if the kernel would not reset it). */
  peakRssMiB: number | undefined;
  /** Work units per second where a request carries several (members per second for batches). */
  unitsPerSecond?: { unit: string; value: number };
  /** Anything the run found wrong beyond per-request failures (e.g. a sweep that missed users). */
  problems: string[];
}

export interface MeasureContext {
  server: ServerUnderTest;
  concurrency: number;
  requestTimeoutMs: number;
  maxDurationMs: number;
  /** When set, each non-setup workload is CPU-profiled into `<dir>/<key>.cpuprofile`. */
  profileDir?: string;
}

export interface WorkloadSpec {
  key: string;
  label: string;
  setup?: boolean;
  plan: LoadPlan;
  /** Work units in one request, when a request carries several (e.g. 50 members). */
  unitsPerRequest?: { unit: string; count: number };
  /** Connections for this workload instead of the run's `--concurrency`. */
  concurrency?: number;
}

const MIB = 1024 * 1024;

export async function measure(context: MeasureContext, spec: WorkloadSpec): Promise<Measurement> {
  const { server } = context;
  const profileFile =
    context.profileDir && !spec.setup ? path.join(context.profileDir, `${spec.key}.cpuprofile`) : undefined;
  if (profileFile) await server.startProfile();
  const peakReset = server.resetPeakRss();
  const before = await server.usage();
  const result = await runLoad(spec.plan, {
    baseUrl: server.bridgeAddresses,
    headers: { authorization: `Bearer ${server.token}` },
    concurrency: spec.concurrency ?? context.concurrency,
    requestTimeoutMs: context.requestTimeoutMs,
    maxDurationMs: context.maxDurationMs,
  });
  const after = await server.usage();
  const peak = server.peakRssBytes() ?? after.rssBytes;
  if (profileFile) await server.stopProfile(profileFile);
  const seconds = result.wallMs / 1000;
  const problems: string[] = [];
  if (result.stoppedByDeadline) {
    problems.push(`stopped by the time limit after ${result.sent} of ${spec.plan.total} requests`);
  }
  if (profileFile) problems.push(`profiled (CPU figure inflated): ${profileFile}`);
  if (!peakReset) problems.push('peak RSS counts from the start of the server (the kernel refused a reset)');
  const measurement: Measurement = {
    key: spec.key,
    label: spec.label,
    setup: spec.setup ?? false,
    requests: result.sent,
    succeeded: result.succeeded,
    failed: result.failed,
    failuresByReason: result.failuresByReason,
    failureSamples: result.failureSamples,
    stoppedByDeadline: result.stoppedByDeadline,
    wallMs: result.wallMs,
    requestsPerSecond: result.sent / seconds,
    latency: summarizeLatencies(result.latenciesMs),
    serverCpuMsPerRequest: cpuMsPerRequest(before.cpu, after.cpu, result.sent),
    peakRssMiB: peak / MIB,
    problems,
  };
  if (spec.unitsPerRequest) {
    measurement.unitsPerSecond = {
      unit: spec.unitsPerRequest.unit,
      value: (result.succeeded * spec.unitsPerRequest.count) / seconds,
    };
  }
  return measurement;
}
