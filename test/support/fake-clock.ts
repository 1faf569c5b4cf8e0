/** A clock for tests that only moves when told. */
import type { Clock } from '../../src/clock.ts';

export class FakeClock implements Clock {
  private ms: number;

  constructor(start = '2026-01-01T00:00:00Z') {
    this.ms = Date.parse(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * The machine's time until a test holds it still: held, it moves only when told, so a test can
 * see a pause that real time on a loaded machine would let run out before the next step. On
 * release it carries on from where it was held, never going back.
 */
export class HoldableClock implements Clock {
  private heldMs: number | undefined;
  private offsetMs = 0;

  now(): Date {
    return new Date(this.heldMs ?? Date.now() + this.offsetMs);
  }

  hold(): void {
    this.heldMs = this.now().getTime();
  }

  advance(ms: number): void {
    if (this.heldMs === undefined) this.offsetMs += ms;
    else this.heldMs += ms;
  }

  release(): void {
    if (this.heldMs === undefined) return;
    this.offsetMs = Math.max(0, this.heldMs - Date.now());
    this.heldMs = undefined;
  }
}
