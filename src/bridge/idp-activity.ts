/**
 * Per-IdP health for the status page and `/metrics`: requests by outcome over the last day
 * and whether an IdP that used to call has gone quiet for longer than its usual cycle.
 * Memory is bounded: 24 hourly buckets of four counts per IdP name (a fixed set), never a
 * list of requests. Time comes from the injected clock.
 */
import type { Clock } from '../clock.ts';
import { CollectedGauge, Counter, type MetricsRegistry } from '../metrics.ts';
import { DEFAULT_IDP_CYCLES } from './idp-cycles.ts';
import type { IdpName } from './idp-detect.ts';

export const REQUEST_OUTCOMES = ['answered', 'unauthorized', 'client_error', 'server_error'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

const HOUR_MS = 3_600_000;
const BUCKETS = 24;

export function outcomeOf(status: number): RequestOutcome {
  if (status === 401) return 'unauthorized';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'answered';
}

export interface IdpActivitySummary {
  /** Requests in the last 24 hours (counted by the hour), by outcome. */
  lastDay: Record<RequestOutcome, number>;
  /** The usual cycle in minutes; 0 when the IdP pushes on change (no silence warning). */
  cycleMinutes: number;
  /** Whole minutes since its last request. */
  silentMinutes: number;
  /** Silent for longer than its usual cycle. */
  overdue: boolean;
}

interface Activity {
  lastAtMs: number;
  /** Ring of hourly buckets: the hour each slot counts, and its counts by outcome. */
  hours: number[];
  counts: number[][];
}

export class IdpActivity {
  private readonly byIdp = new Map<IdpName, Activity>();
  private readonly cycles: Record<IdpName, number>;
  private readonly requests: Counter;

  constructor(
    private readonly clock: Clock,
    registry: MetricsRegistry,
    cycles: Partial<Record<IdpName, number>> = {},
  ) {
    this.cycles = { ...DEFAULT_IDP_CYCLES, ...cycles };
    this.requests = registry.register(
      new Counter('scimbridge_idp_requests_total', 'SCIM requests answered, by IdP and outcome.', [
        'idp',
        'outcome',
      ]),
    );
    registry.register(
      new CollectedGauge(
        'scimbridge_idp_last_request_timestamp_seconds',
        "When each IdP's last request arrived (Unix seconds); IdPs that never called are absent.",
        () =>
          [...this.byIdp].map(([idp, activity]) => ({
            labels: { idp },
            value: Math.round(activity.lastAtMs / 1000),
          })),
        { labelNames: ['idp'] },
      ),
    );
    registry.register(
      new CollectedGauge(
        'scimbridge_idp_silent',
        '1 when an IdP that used to call has been silent for longer than its usual cycle.',
        () =>
          [...this.byIdp.keys()].map((idp) => ({
            labels: { idp },
            value: this.summary(idp)?.overdue ? 1 : 0,
          })),
        { labelNames: ['idp'] },
      ),
    );
  }

  record(idp: IdpName, status: number): void {
    const atMs = this.clock.now().getTime();
    const outcome = outcomeOf(status);
    this.requests.inc({ idp, outcome });
    let activity = this.byIdp.get(idp);
    if (activity === undefined) {
      activity = {
        lastAtMs: atMs,
        hours: new Array<number>(BUCKETS).fill(-1),
        counts: Array.from({ length: BUCKETS }, () => REQUEST_OUTCOMES.map(() => 0)),
      };
      this.byIdp.set(idp, activity);
    }
    activity.lastAtMs = Math.max(activity.lastAtMs, atMs);
    const hour = Math.floor(atMs / HOUR_MS);
    const slot = hour % BUCKETS;
    if (activity.hours[slot] !== hour) {
      activity.hours[slot] = hour;
      activity.counts[slot]!.fill(0);
    }
    activity.counts[slot]![REQUEST_OUTCOMES.indexOf(outcome)]!++;
  }

  summary(idp: IdpName): IdpActivitySummary | undefined {
    const activity = this.byIdp.get(idp);
    if (activity === undefined) return undefined;
    const nowMs = this.clock.now().getTime();
    const hour = Math.floor(nowMs / HOUR_MS);
    const lastDay = Object.fromEntries(REQUEST_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
      RequestOutcome,
      number
    >;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const at = activity.hours[slot]!;
      if (at < 0 || at <= hour - BUCKETS || at > hour) continue;
      REQUEST_OUTCOMES.forEach((outcome, index) => {
        lastDay[outcome] += activity.counts[slot]![index]!;
      });
    }
    return activitySummary(lastDay, activity.lastAtMs, nowMs, this.cycles[idp]);
  }

  /** Each IdP's usual cycle in minutes (the defaults with SCIMBRIDGE_IDP_CYCLES over them). */
  cycleOf(idp: IdpName): number {
    return this.cycles[idp];
  }
}

/** The summary of an IdP's day, whoever counted it (this bridge, or all of them in Redis). */
export function activitySummary(
  lastDay: Record<RequestOutcome, number>,
  lastAtMs: number,
  nowMs: number,
  cycleMinutes: number,
): IdpActivitySummary {
  const silentMinutes = Math.max(0, Math.floor((nowMs - lastAtMs) / 60_000));
  return { lastDay, cycleMinutes, silentMinutes, overdue: cycleMinutes > 0 && silentMinutes > cycleMinutes };
}

export const ACTIVITY_HOUR_MS = HOUR_MS;
export const ACTIVITY_HOURS = BUCKETS;
