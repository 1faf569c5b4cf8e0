/**
 * What the bridge saw of each IdP lately, for the status page's "last request per IdP" and
 * for `/metrics`: counts and latencies by SCIM operation and status. In memory, per bridge
 * process; with Redis, the status page's part is also shared by the replicas
 * (shared-request-record.ts), while the metrics stay per process (Prometheus sums them).
 * Nothing here holds request content.
 */
import type { Clock } from '../clock.ts';
import { Counter, Histogram, type MetricsRegistry } from '../metrics.ts';
import { IdpActivity, type IdpActivitySummary } from './idp-activity.ts';
import type { IdpName } from './idp-detect.ts';
import type { SharedRequestRecords } from './shared-request-record.ts';

export interface IdpRequestSummary {
  idp: IdpName;
  at: string;
  operation: string;
  status: number;
  ms: number;
  /** Requests from this IdP since the bridge started. */
  total: number;
  /** The last request answered with an error (status ≥ 400; a 409 for a user who already exists is one too) and why. */
  lastFailure: { at: string; operation: string; status: number; detail: string | undefined } | null;
  /** The last day by outcome, and silence against the IdP's usual cycle (idp-activity.ts). */
  activity: IdpActivitySummary;
}

interface Recorded {
  idp: IdpName;
  atMs: number;
  operation: string;
  status: number;
  ms: number;
  total: number;
  lastFailure: { atMs: number; operation: string; status: number; detail: string | undefined } | null;
}

export class RequestRecord {
  private readonly byIdp = new Map<IdpName, Recorded>();
  private readonly requests: Counter;
  private readonly seconds: Histogram;
  private readonly activity: IdpActivity;
  private shared: SharedRequestRecords | undefined;

  constructor(
    private readonly clock: Clock,
    registry: MetricsRegistry,
    cycles: Partial<Record<IdpName, number>> = {},
  ) {
    this.activity = new IdpActivity(clock, registry, cycles);
    this.requests = registry.register(
      new Counter('scimbridge_scim_requests_total', 'SCIM requests answered, by operation and HTTP status.', [
        'operation',
        'status',
      ]),
    );
    this.seconds = registry.register(
      new Histogram(
        'scimbridge_scim_request_duration_seconds',
        'Time to answer a SCIM request, by operation and HTTP status.',
        ['operation', 'status'],
      ),
    );
  }

  /** From now on, also records into `shared` and reports from it while it answers. */
  share(shared: SharedRequestRecords): void {
    this.shared = shared;
  }

  cycleOf(idp: IdpName): number {
    return this.activity.cycleOf(idp);
  }

  /** For the status page: every replica's records when shared and Redis answers, else this bridge's. */
  async report(): Promise<{ idps: IdpRequestSummary[]; shared: boolean }> {
    const shared = await this.shared?.lastPerIdp();
    return shared === undefined ? { idps: this.lastPerIdp(), shared: false } : { idps: shared, shared: true };
  }

  record(request: {
    idp: IdpName;
    operation: string;
    status: number;
    ms: number;
    detail?: string | undefined;
  }): void {
    const atMs = this.clock.now().getTime();
    const labels = { operation: request.operation, status: String(request.status) };
    this.requests.inc(labels);
    this.seconds.observe(labels, request.ms / 1000);
    this.activity.record(request.idp, request.status);
    this.shared?.add(request);
    // Kept as numbers; turned into text only when the status page asks (not per request).
    const previous = this.byIdp.get(request.idp);
    const entry: Recorded = previous ?? {
      idp: request.idp,
      atMs,
      operation: request.operation,
      status: request.status,
      ms: request.ms,
      total: 0,
      lastFailure: null,
    };
    entry.atMs = atMs;
    entry.operation = request.operation;
    entry.status = request.status;
    entry.ms = request.ms;
    entry.total++;
    if (request.status >= 400) {
      entry.lastFailure = {
        atMs,
        operation: request.operation,
        status: request.status,
        detail: request.detail,
      };
    }
    this.byIdp.set(request.idp, entry);
  }

  /** Most recent first. */
  lastPerIdp(): IdpRequestSummary[] {
    return [...this.byIdp.values()]
      .sort((a, b) => b.atMs - a.atMs)
      .map((entry) => ({
        idp: entry.idp,
        at: new Date(entry.atMs).toISOString(),
        operation: entry.operation,
        status: entry.status,
        ms: entry.ms,
        total: entry.total,
        lastFailure:
          entry.lastFailure === null
            ? null
            : {
                at: new Date(entry.lastFailure.atMs).toISOString(),
                operation: entry.lastFailure.operation,
                status: entry.lastFailure.status,
                detail: entry.lastFailure.detail,
              },
        activity: this.activity.summary(entry.idp)!,
      }));
  }
}
