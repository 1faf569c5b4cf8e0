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
