/**
 * Per client address, counts attempts that must not come often — wrong bearer tokens at
 * the bridge, sign-in challenges at the account API, failed member sign-ins — in a window that
 * opens at the first one. Once an address reaches the limit, `check` blocks it until the
 * window closes, before any work is done; the route answers 429 with Retry-After
 * (RFC 6585 §4). Callers decide what counts (the bridge counts only failed token checks).
 *
 * Memory is bounded: at most `maxTrackedAddresses` entries, the least recently counted
 * dropped first. In-process only; replicas behind a load balancer each keep their own.
 */
import type { Clock } from './clock.ts';

export interface AddressLimiterOptions {
  clock: Clock;
  /** Attempts allowed per window; the next one is blocked. Default 10. */
  maxAttempts?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** Default 10,000. */
  maxTrackedAddresses?: number;
}

export type AddressLimitDecision = { blocked: false } | { blocked: true; retryAfterSeconds: number };

interface Window {
  startedAt: number;
  attempts: number;
}

const ALLOWED: AddressLimitDecision = Object.freeze({ blocked: false });

export class AddressLimiter {
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly windowMs: number;
  private readonly maxTrackedAddresses: number;
  /** Map iteration order is insertion order: re-inserting on each failure keeps the stalest first. */
  private readonly windows = new Map<string, Window>();

  constructor(options: AddressLimiterOptions) {
    this.clock = options.clock;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxTrackedAddresses = options.maxTrackedAddresses ?? 10_000;
  }

  /** Call before doing the work. */
  check(address: string): AddressLimitDecision {
    const window = this.windows.get(address);
    if (!window) return ALLOWED;
    const now = this.clock.now().getTime();
    const endsAt = window.startedAt + this.windowMs;
    if (now >= endsAt) {
      this.windows.delete(address);
      return ALLOWED;
    }
    if (window.attempts < this.maxAttempts) return ALLOWED;
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
  }

  /** Counts one attempt (a failed token check, a sign-in challenge). */
  record(address: string): void {
    const now = this.clock.now().getTime();
    const window = this.windows.get(address);
    if (window && now < window.startedAt + this.windowMs) {
      window.attempts++;
      this.windows.delete(address);
      this.windows.set(address, window);
      return;
    }
    if (window) this.windows.delete(address);
    this.windows.set(address, { startedAt: now, attempts: 1 });
    if (this.windows.size > this.maxTrackedAddresses) this.evictOldest();
  }

  /** Forgets an address's count (a success that proves the attempts were honest). */
  clear(address: string): void {
    this.windows.delete(address);
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
