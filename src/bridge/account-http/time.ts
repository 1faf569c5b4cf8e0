/**
 * The clock the HTTP account client reads: injected so tests can drive session renewal,
 * channel pauses and batch holds without real sleeps.
 */
export interface TimeSource {
  /** Monotonic milliseconds, for deadlines and ages (never goes back with the wall clock). */
  monotonicNow(): number;
  /** Wall-clock milliseconds since the epoch, for status times and the account's clock skew. */
  wallNow(): number;
  /** Calls `run` after `ms`; the handle cancels it. */
  setTimer(run: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

export type TimerHandle = { readonly timer: unknown };

export const realTime: TimeSource = {
  monotonicNow: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer: (run, ms) => ({ timer: setTimeout(run, ms) }),
  clearTimer: (handle) => {
    if (handle !== undefined) clearTimeout(handle.timer as NodeJS.Timeout);
  },
};

export const sleepOn = (time: TimeSource, ms: number): Promise<void> =>
  new Promise((resolve) => time.setTimer(resolve, ms));
