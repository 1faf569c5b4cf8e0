/** Calls batch into one `POST /batch`: per-turn calls share an exchange, and calls made while one is in flight wait for it (like database commit batching), bounded by `holdMs`; an idle client sends at once. */
import { API_ROUTES } from '../../account/api/route-table.ts';
import type { ApiSessionState } from './api-session.ts';
import type { TimerHandle, TimeSource } from './time.ts';
import type { Reply } from './transport.ts';

/** The account API takes at most 100 calls in one batch. */
export const MAX_BATCH_CALLS = 64;

export type CallOutcome = { reply: Reply; state: ApiSessionState } | { error: unknown };

interface Pending {
  method: string;
  path: string;
  body: unknown;
  idempotent: boolean;
  settle: (outcome: CallOutcome) => void;
}

export interface Batcher {
  /** Queues one call for the next exchange; resolves with its own answer. */
  enqueue(method: string, path: string, body: unknown, idempotent: boolean): Promise<CallOutcome>;
  /** Answers every call still waiting to go out with `error`. */
  close(error: () => unknown): void;
}

export interface BatcherOptions {
  holdMs: number;
  time: TimeSource;
  exchange: (
    method: string,
    path: string,
    body: unknown,
    idempotent: boolean,
  ) => Promise<{ reply: Reply; state: ApiSessionState }>;
  /** Whether exchanges go over the channel now (there a lone call goes as a batch of one too). */
  overChannel: () => boolean;
}

export function createBatcher(options: BatcherOptions): Batcher {
  const { holdMs, time, exchange } = options;
  let queue: Pending[] = [];
  let flushScheduled = false;
  let inFlight = 0;
  /** When the last exchange went out (local monotonic ms). */
  let lastSentAt = 0;
  let holdTimer: TimerHandle | undefined;

  function flush(): void {
    flushScheduled = false;
    while (queue.length > 0) {
      const waited = time.monotonicNow() - lastSentAt;
      if (inFlight > 0 && waited < holdMs) {
        holdTimer ??= time.setTimer(() => {
          holdTimer = undefined;
          scheduleFlush();
        }, holdMs - waited);
        return;
      }
      const calls = queue.slice(0, MAX_BATCH_CALLS);
      queue = queue.slice(calls.length);
      inFlight++;
      lastSentAt = time.monotonicNow();
      void sendCalls(calls).finally(() => {
        inFlight--;
        if (queue.length > 0) scheduleFlush();
      });
    }
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  function sendCalls(calls: Pending[]): Promise<void> {
    // Over the channel a lone call goes as a batch of one: one kind of message to answer.
    if (calls.length === 1 && !options.overChannel()) {
      const [only] = calls as [Pending];
      return exchange(only.method, only.path, only.body, only.idempotent).then(
        only.settle,
        (error: unknown) => only.settle({ error }),
      );
    }
    const batch = calls.map(({ method, path, body }) =>
      body === undefined ? { method, path } : { method, path, body },
    );
    return exchange(
      API_ROUTES.batch.method,
      API_ROUTES.batch.path,
      { calls: batch },
      calls.every((pending) => pending.idempotent),
    ).then(
      ({ reply, state }) => {
        const results = (reply.body as { results?: unknown } | undefined)?.results;
        if (reply.status === 200 && Array.isArray(results) && results.length === calls.length) {
          calls.forEach((pending, i) => {
            const result = results[i] as { status?: unknown; body?: unknown };
            pending.settle({ reply: { status: Number(result?.status), body: result?.body }, state });
          });
        } else {
          // Refused as a whole (firewall, revoked credentials): every call gets that answer.
          for (const pending of calls) pending.settle({ reply, state });
        }
      },
      (error: unknown) => {
        for (const pending of calls) pending.settle({ error });
      },
    );
  }

  return {
    enqueue: (method, path, body, idempotent) =>
      new Promise((settle) => {
        queue.push({ method, path, body, idempotent, settle });
        scheduleFlush();
      }),
    close(error) {
      time.clearTimer(holdTimer);
      holdTimer = undefined;
      // Calls still waiting to go out are answered now rather than never.
      const waiting = queue;
      queue = [];
      for (const pending of waiting) pending.settle({ error: error() });
    },
  };
}
