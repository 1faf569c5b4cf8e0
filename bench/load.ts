/**
 * A small closed-loop HTTP load generator: `concurrency` workers on keep-alive connections,
 * each sending its next request as soon as the previous answer has arrived, until `total`
 * requests are sent or the deadline passes. Every request's latency is kept exactly
 * (send → last byte of the answer), so percentiles are not approximations.
 *
 * Any answer that is not 2xx, any network error, timeout or failed content check is a
 * failure, counted by reason with a few samples kept: a benchmark that quietly measures
 * error answers measures nothing.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface PlannedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/scim/v2/Users?count=0`. */
  path: string;
  /** JSON text; sent as `application/scim+json`. */
  body?: string;
}

export interface LoadPlan {
  /** How many requests to send. */
  total: number;
  /** The request with this index (0 … total-1); requests are taken in index order. */
  request(index: number): PlannedRequest;
  /**
   * Looks at a 2xx answer (e.g. keeps the created id, checks a list's total). Returns a
   * short description of what is wrong with it, or undefined when it is right.
   */
  check?(index: number, status: number, body: string): string | undefined;
}

export interface LoadOptions {
  /**
   * e.g. http://127.0.0.1:3002, or several replicas' addresses: worker k then talks to
   * address k mod n (the driver spreads its connections, as a round-robin balancer would).
   */
  baseUrl: string | readonly string[];
  headers?: Record<string, string>;
  concurrency: number;
  /** One request taking longer than this fails with reason `timeout`. */
  requestTimeoutMs: number;
  /** No request is started after this many ms from the start of the run. */
  maxDurationMs: number;
}

export interface FailureSample {
  index: number;
  request: string;
  reason: string;
  detail: string;
}

export interface LoadResult {
  /** Requests started. */
  sent: number;
  /** Requests that got a 2xx answer that passed the check. */
  succeeded: number;
  failed: number;
  /** Failures by reason, e.g. `HTTP 409`, `timeout`, `ECONNRESET`, `check`. */
  failuresByReason: Record<string, number>;
  failureSamples: FailureSample[];
  /** Latency of every answered request (failed answers included), in ms, in completion order. */
  latenciesMs: Float64Array;
  wallMs: number;
  /** True when the deadline stopped the run before `total` requests were sent. */
  stoppedByDeadline: boolean;
}

const MAX_FAILURE_SAMPLES = 5;
const MAX_DETAIL_CHARS = 300;

interface Answer {
  status: number;
  body: string;
}

function send(
  agent: http.Agent,
  target: URL,
  headers: Record<string, string>,
  planned: PlannedRequest,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = planned.body === undefined ? undefined : Buffer.from(planned.body);
    const requestHeaders: Record<string, string | number> = { ...headers };
    if (body) {
      requestHeaders['content-type'] = 'application/scim+json; charset=utf-8';
      requestHeaders['content-length'] = body.length;
    }
    const request = http.request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        method: planned.method,
        path: planned.path,
        headers: requestHeaders,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () =>
      request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
    );
    request.on('error', reject);
    request.end(body);
  });
}

export async function runLoad(plan: LoadPlan, options: LoadOptions): Promise<LoadResult> {
  const targets = (typeof options.baseUrl === 'string' ? [options.baseUrl] : options.baseUrl).map(
    (url) => new URL(url),
  );
  if (targets.length === 0) throw new Error('the load generator needs at least one address');
  for (const target of targets)
    if (target.protocol !== 'http:')
      throw new Error(`the load generator speaks plain http only, not ${target.protocol}`);
  const headers = { accept: 'application/scim+json', ...options.headers };
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(plan.total);
  let answered = 0;
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  let stoppedByDeadline = false;
  const failuresByReason: Record<string, number> = {};
  const failureSamples: FailureSample[] = [];

  const fail = (index: number, planned: PlannedRequest, reason: string, detail: string) => {
    failed++;
    failuresByReason[reason] = (failuresByReason[reason] ?? 0) + 1;
    if (failureSamples.length < MAX_FAILURE_SAMPLES) {
      failureSamples.push({
        index,
        request: `${planned.method} ${planned.path}`,
        reason,
        detail: detail.slice(0, MAX_DETAIL_CHARS),
      });
    }
  };

  const started = performance.now();
  const deadline = started + options.maxDurationMs;

  const worker = async (_: unknown, workerIndex: number) => {
    const target = targets[workerIndex % targets.length]!;
    while (next < plan.total) {
      if (performance.now() > deadline) {
        stoppedByDeadline = true;
        return;
      }
      const index = next++;
      const planned = plan.request(index);
      const sentAt = performance.now();
      let answer: Answer;
      try {
        answer = await send(agent, target, headers, planned, options.requestTimeoutMs);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'network error';
        fail(index, planned, code, (error as Error).message);
        continue;
      }
      latencies[answered++] = performance.now() - sentAt;
      if (answer.status < 200 || answer.status > 299) {
        fail(index, planned, `HTTP ${answer.status}`, answer.body);
        continue;
      }
      const problem = plan.check?.(index, answer.status, answer.body);
      if (problem !== undefined) {
        fail(index, planned, 'check', problem);
        continue;
      }
      succeeded++;
    }
  };

  try {
    const workers = Math.max(1, Math.min(options.concurrency, plan.total));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    agent.destroy();
  }

  return {
    sent: next,
    succeeded,
    failed,
    failuresByReason,
    failureSamples,
    latenciesMs: latencies.subarray(0, answered),
    wallMs: performance.now() - started,
    stoppedByDeadline,
  };
}
