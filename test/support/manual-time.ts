/** A `TimeSource` for the HTTP account client that moves only when told. */
import type { TimerHandle, TimeSource } from '../../src/bridge/account-http/time.ts';

export class ManualTime implements TimeSource {
  private monotonic = 0;
  private timers: Array<{ at: number; run: () => void; handle: TimerHandle }> = [];

  /** `wallOffsetMs`: how far this clock's wall time is from the machine's. */
  constructor(private readonly wallOffsetMs = 0) {}

  monotonicNow(): number {
    return this.monotonic;
  }

  wallNow(): number {
    return Date.now() + this.wallOffsetMs;
  }

  setTimer(run: () => void, ms: number): TimerHandle {
    const handle = { timer: Symbol('timer') };
    this.timers.push({ at: this.monotonic + ms, run, handle });
    return handle;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    this.timers = this.timers.filter((timer) => timer.handle !== handle);
  }

  /** Moves time on by `ms`, running the timers that come due. */
  advance(ms: number): void {
    this.monotonic += ms;
    const due = this.timers.filter((timer) => timer.at <= this.monotonic);
    this.timers = this.timers.filter((timer) => timer.at > this.monotonic);
    for (const timer of due.sort((a, b) => a.at - b.at)) timer.run();
  }
}
