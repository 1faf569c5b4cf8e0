/**
 * The status page's request records shared by bridge replicas through Redis, so that every
 * bridge's page shows what all of them answered: per IdP the last request, the last error
 * answer, a total, and the last day in hourly buckets (for the silence warning).
 *
 * Written off the request's path: `add` only updates counts in memory, and every 100 ms at
 * most everything gathered goes in one pipeline, so a SCIM answer never waits on Redis and a
 * busy bridge sends a few pipelines a second, not one per request. Nothing here holds request content: operation, status, time, and the error detail the
 * IdP itself was answered with (secrets already scrubbed from it, app.ts).
 *
 * Keys (each under the bridges' prefix), per IdP name (a fixed set, so bounded):
 *   idp:<idp>:last       JSON of the last request
 *   idp:<idp>:failure    JSON of the last error answer
 *   idp:<idp>:total      requests counted since the key was made
 *   idp:<idp>:hour:<h>   hash of counts by outcome for hour h (Unix hours), kept 25 hours
 */
import type { Clock } from '../clock.ts';
import {
  ACTIVITY_HOUR_MS,
  ACTIVITY_HOURS,
  activitySummary,
  outcomeOf,
  REQUEST_OUTCOMES,
  type RequestOutcome,
} from './idp-activity.ts';
import { IDP_NAMES } from './idp-cycles.ts';
import type { IdpName } from './idp-detect.ts';
import type { IdpRequestSummary } from './request-record.ts';
import { SHARED_CALL_TIMEOUT_MS, type SharedRedis } from './shared-redis.ts';

export interface SharedRequestRecords {
  /** Counts one answered request; sent to Redis within FLUSH_MS with the others. */
  add(request: {
    idp: IdpName;
    operation: string;
    status: number;
    ms: number;
    detail?: string | undefined;
  }): void;
  /** Every bridge's records, most recent first; undefined while Redis does not answer. */
  lastPerIdp(): Promise<IdpRequestSummary[] | undefined>;
  /** Sends what is gathered now (tests, shutdown). */
  flush(): Promise<void>;
}

interface Last {
  atMs: number;
  operation: string;
  status: number;
  ms: number;
}
interface Failure {
  atMs: number;
  operation: string;
  status: number;
  detail: string | undefined;
}
interface Gathered {
  last: Last;
  failure: Failure | undefined;
  total: number;
  /** `<hour>:<outcome>` → count. */
  hours: Map<string, number>;
}

/** How long records gather before they go to Redis: the status page is that much behind. */
const FLUSH_MS = 100;
const HOUR_KEY_TTL_MS = (ACTIVITY_HOURS + 1) * ACTIVITY_HOUR_MS;
const DETAIL_CHARS = 1000;

export function createRedisRequestRecords(options: {
  redis: SharedRedis;
  clock: Clock;
  /** Each IdP's usual cycle in minutes. */
  cycleOf: (idp: IdpName) => number;
}): SharedRequestRecords {
  const { redis, clock } = options;
  const key = (idp: IdpName, part: string) => `${redis.prefix}idp:${idp}:${part}`;
  let gathered = new Map<IdpName, Gathered>();
  let scheduled = false;
  let sending: Promise<void> = Promise.resolve();

  const send = async (batch: Map<IdpName, Gathered>): Promise<void> => {
    await redis.attempt(
      'request records',
      (client) => {
        const pipeline = client.pipeline();
        for (const [idp, entry] of batch) {
          pipeline.set(key(idp, 'last'), JSON.stringify(entry.last));
          if (entry.failure) pipeline.set(key(idp, 'failure'), JSON.stringify(entry.failure));
          pipeline.incrby(key(idp, 'total'), entry.total);
          for (const [slot, count] of entry.hours) {
            const [hour, outcome] = slot.split(':') as [string, string];
            pipeline.hincrby(key(idp, `hour:${hour}`), outcome, count);
            pipeline.pexpire(key(idp, `hour:${hour}`), HOUR_KEY_TTL_MS);
          }
        }
        return pipeline.exec();
      },
      SHARED_CALL_TIMEOUT_MS,
    );
  };

  const flush = (): Promise<void> => {
    scheduled = false;
    if (gathered.size === 0) return sending;
    const batch = gathered;
    gathered = new Map();
    // One pipeline at a time, in order: a later "last request" never lands before an earlier one.
    sending = sending.then(() => send(batch));
    return sending;
  };

  return {
    add(request) {
      const atMs = clock.now().getTime();
      let entry = gathered.get(request.idp);
      const last = { atMs, operation: request.operation, status: request.status, ms: request.ms };
      if (entry === undefined) {
        entry = { last, failure: undefined, total: 0, hours: new Map() };
        gathered.set(request.idp, entry);
      }
      entry.last = last;
      entry.total++;
      if (request.status >= 400) {
        entry.failure = {
          atMs,
          operation: request.operation,
          status: request.status,
          detail: request.detail?.slice(0, DETAIL_CHARS),
        };
      }
      const slot = `${Math.floor(atMs / ACTIVITY_HOUR_MS)}:${outcomeOf(request.status)}`;
      entry.hours.set(slot, (entry.hours.get(slot) ?? 0) + 1);
      if (!scheduled) {
        scheduled = true;
        setTimeout(() => void flush(), FLUSH_MS).unref();
      }
    },

    flush,

    async lastPerIdp() {
      const nowMs = clock.now().getTime();
      const hour = Math.floor(nowMs / ACTIVITY_HOUR_MS);
      const hours = Array.from({ length: ACTIVITY_HOURS }, (_, back) => hour - back);
      const answers = await redis.attempt(
        'request records',
        (client) => {
          const pipeline = client.pipeline();
          for (const idp of IDP_NAMES) {
            pipeline.mget(key(idp, 'last'), key(idp, 'failure'), key(idp, 'total'));
            for (const at of hours) pipeline.hgetall(key(idp, `hour:${at}`));
          }
          return pipeline.exec();
        },
        SHARED_CALL_TIMEOUT_MS,
      );
      if (answers === undefined || answers === null || answers.some(([error]) => error !== null)) {
        return undefined;
      }
      const perIdp = 1 + hours.length;
      const summaries: IdpRequestSummary[] = [];
      IDP_NAMES.forEach((idp, index) => {
        const [lastText, failureText, totalText] = answers[index * perIdp]![1] as (string | null)[];
        if (typeof lastText !== 'string') return;
        const last = JSON.parse(lastText) as Last;
        const failure = typeof failureText === 'string' ? (JSON.parse(failureText) as Failure) : null;
        const lastDay = Object.fromEntries(REQUEST_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
          RequestOutcome,
          number
        >;
        for (let h = 1; h < perIdp; h++) {
          const counts = answers[index * perIdp + h]![1] as Record<string, string>;
          for (const outcome of REQUEST_OUTCOMES) lastDay[outcome] += Number(counts[outcome] ?? 0);
        }
        summaries.push({
          idp,
          at: new Date(last.atMs).toISOString(),
          operation: last.operation,
          status: last.status,
          ms: last.ms,
          total: Number(totalText ?? 0),
          lastFailure:
            failure === null
              ? null
              : {
                  at: new Date(failure.atMs).toISOString(),
                  operation: failure.operation,
                  status: failure.status,
                  detail: failure.detail ?? undefined,
                },
          activity: activitySummary(lastDay, last.atMs, nowMs, options.cycleOf(idp)),
        });
      });
      return summaries.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    },
  };
}
