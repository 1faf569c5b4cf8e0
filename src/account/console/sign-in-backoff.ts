/**
 * Back-off for the console's sign-in, before the lockout (SignInLimiter) takes over: from
 * the third failure for one address in a row, the next attempt must wait 1 s, then 2 s, 4 s
 * and so on (at most a minute), so a guesser's rate drops at once while a person who
 * mistyped twice notices nothing. A success clears it. In-process and bounded, like the
 * limiter: the oldest entries go first.
 */
import type { Clock } from '../../clock.ts';

const FREE_FAILURES = 2;
const MAX_WAIT_MS = 60_000;
/** A failure older than this no longer counts. */
const FORGET_AFTER_MS = 15 * 60_000;

export class SignInBackoff {
  private readonly failures = new Map<string, { count: number; lastMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxTracked = 10_000,
  ) {}

  /** Seconds to wait before the next attempt for this address, or undefined. */
  retryAfter(email: string): number | undefined {
    const entry = this.failures.get(email.toLowerCase());
    if (entry === undefined || entry.count <= FREE_FAILURES) return undefined;
    const now = this.clock.now().getTime();
    const wait = Math.min(1000 * 2 ** (entry.count - FREE_FAILURES - 1), MAX_WAIT_MS);
    const left = entry.lastMs + wait - now;
    return left > 0 ? Math.ceil(left / 1000) : undefined;
  }

  failed(email: string): void {
    const key = email.toLowerCase();
    const now = this.clock.now().getTime();
    const entry = this.failures.get(key);
    const count = entry && now - entry.lastMs < FORGET_AFTER_MS ? entry.count + 1 : 1;
    this.failures.delete(key); // re-inserted last: the map's order is oldest first
    this.failures.set(key, { count, lastMs: now });
    while (this.failures.size > this.maxTracked) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(email: string): void {
    this.failures.delete(email.toLowerCase());
  }
}
