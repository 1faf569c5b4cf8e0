/**
 * Slows down password guessing at the member sign-in: failed attempts are counted per
 * e-mail address and per client address in a window that opens at the first failure; at
 * the limit, further attempts are refused (429 with Retry-After, RFC 6585 §4) before any
 * proof is checked, until the window closes. A success clears the address's count.
 *
 * Bounded memory (the stalest entries go first); in-process only, so each account server
 * replica counts on its own.
 */
import { AddressLimiter } from '../../address-limiter.ts';
import type { Clock } from '../../clock.ts';

export interface SignInLimits {
  /** Failures per e-mail address per window. Default 5. */
  perEmail?: number;
  /** Failures per client address per window. Default 30. */
  perClient?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  /** Entries kept in all (e-mail and client addresses together). */
  maxTracked?: number;
}

export class SignInLimiter {
  private readonly byEmail: AddressLimiter;
  private readonly byClient: AddressLimiter;

  constructor(clock: Clock, limits: SignInLimits = {}) {
    const windowMs = limits.windowMs ?? 15 * 60_000;
    const maxTrackedAddresses = Math.max(1, Math.floor((limits.maxTracked ?? 50_000) / 2));
    this.byEmail = new AddressLimiter({
      clock,
      windowMs,
      maxTrackedAddresses,
      maxAttempts: limits.perEmail ?? 5,
    });
    this.byClient = new AddressLimiter({
      clock,
      windowMs,
      maxTrackedAddresses,
      maxAttempts: limits.perClient ?? 30,
    });
  }

  /** Seconds to wait, or undefined when an attempt may go ahead. */
  retryAfter(email: string, client: string): number | undefined {
    const waits = [this.byEmail.check(email.toLowerCase()), this.byClient.check(client)]
      .filter((decision) => decision.blocked)
      .map((decision) => decision.retryAfterSeconds);
    return waits.length === 0 ? undefined : Math.max(...waits);
  }

  failed(email: string, client: string): void {
    this.byEmail.record(email.toLowerCase());
    this.byClient.record(client);
  }

  succeeded(email: string): void {
    this.byEmail.clear(email.toLowerCase());
  }

  /** E-mail and client addresses with a count (for tests and metrics). */
  get tracked(): number {
    return this.byEmail.trackedAddresses + this.byClient.trackedAddresses;
  }
}
