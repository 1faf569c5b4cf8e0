/**
 * Slows down token guessing: per client address, counts failed token checks in a window
 * that opens at the first failure. Once an address reaches the limit, `check` blocks it
 * until the window closes, before any token is verified; the route answers 429 with
 * Retry-After (RFC 6585 §4). Successful checks do not count.
 *
 * Memory is bounded: at most `maxTrackedAddresses` entries, the least recently failed
 * dropped first. In-process only; replicas behind a load balancer each keep their own.
 */
import type { Clock } from '../clock.ts';

export interface AuthFailureLimiterOptions {
  clock: Clock;
  /** Failures allowed per window; the next attempt is blocked. Default 10. */
  maxFailures?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** Default 10,000. */
  maxTrackedAddresses?: number;
}

export type AuthLimitDecision = { blocked: false } | { blocked: true; retryAfterSeconds: number };

interface Window {
  startedAt: number;
  failures: number;
}

const ALLOWED: AuthLimitDecision = Object.freeze({ blocked: false });

export class AuthFailureLimiter {
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxTrackedAddresses: number;
  /** Map iteration order is insertion order: re-inserting on each failure keeps the stalest first. */
  private readonly windows = new Map<string, Window>();

  constructor(options: AuthFailureLimiterOptions) {
    this.clock = options.clock;
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxTrackedAddresses = options.maxTrackedAddresses ?? 10_000;
  }

  /** Call before verifying a token. */
  check(address: string): AuthLimitDecision {
    const window = this.windows.get(address);
    if (!window) return ALLOWED;
    const now = this.clock.now().getTime();
    const endsAt = window.startedAt + this.windowMs;
    if (now >= endsAt) {
      this.windows.delete(address);
      return ALLOWED;
    }
    if (window.failures < this.maxFailures) return ALLOWED;
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
  }

  /** Call when a token check failed (wrong, malformed or missing token). */
  recordFailure(address: string): void {
    const now = this.clock.now().getTime();
    const window = this.windows.get(address);
    if (window && now < window.startedAt + this.windowMs) {
      window.failures++;
      this.windows.delete(address);
      this.windows.set(address, window);
      return;
    }
    if (window) this.windows.delete(address);
    this.windows.set(address, { startedAt: now, failures: 1 });
    if (this.windows.size > this.maxTrackedAddresses) this.evictOldest();
  }

  /** How many addresses are tracked (for metrics). */
  get trackedAddresses(): number {
    return this.windows.size;
  }

  private evictOldest(): void {
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}

export function createAuthFailureLimiter(options: AuthFailureLimiterOptions): AuthFailureLimiter {
  return new AuthFailureLimiter(options);
}
