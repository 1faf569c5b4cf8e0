/**
 * Slows down password guessing at the member sign-in: failed attempts are counted per
 * e-mail address and per client address in a window that opens at the first failure; at
 * the limit, further attempts are refused (429 with Retry-After, RFC 6585 §4) before any
 * proof is checked, until the window closes. A success clears the address's count.
 *
 * Bounded memory (the stalest entries go first); in-process only, so each account server
 * replica counts on its own.
 */
import type { Clock } from '../../clock.ts';

interface Window {
  startedAt: number;
  failures: number;
}

export interface SignInLimits {
  /** Failures per e-mail address per window. Default 5. */
  perEmail?: number;
  /** Failures per client address per window. Default 30. */
  perClient?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  maxTracked?: number;
}

export class SignInLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly perEmail: number;
  private readonly perClient: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;

  constructor(
    private readonly clock: Clock,
    limits: SignInLimits = {},
  ) {
    this.perEmail = limits.perEmail ?? 5;
    this.perClient = limits.perClient ?? 30;
    this.windowMs = limits.windowMs ?? 15 * 60_000;
    this.maxTracked = limits.maxTracked ?? 50_000;
  }

  private keys(email: string, client: string): Array<[string, number]> {
    return [
      [`e:${email.toLowerCase()}`, this.perEmail],
      [`c:${client}`, this.perClient],
    ];
  }

  /** Seconds to wait, or undefined when an attempt may go ahead. */
  retryAfter(email: string, client: string): number | undefined {
    const now = this.clock.now().getTime();
    let wait: number | undefined;
    for (const [key, limit] of this.keys(email, client)) {
      const window = this.windows.get(key);
      if (!window) continue;
      const endsAt = window.startedAt + this.windowMs;
      if (now >= endsAt) {
        this.windows.delete(key);
        continue;
      }
      if (window.failures >= limit) wait = Math.max(wait ?? 0, Math.ceil((endsAt - now) / 1000));
    }
    return wait;
  }

  failed(email: string, client: string): void {
    const now = this.clock.now().getTime();
    for (const [key] of this.keys(email, client)) {
      const window = this.windows.get(key);
      const current =
        window && now < window.startedAt + this.windowMs ? window : { startedAt: now, failures: 0 };
      current.failures += 1;
      this.windows.delete(key);
      this.windows.set(key, current);
      if (this.windows.size > this.maxTracked) this.windows.delete(this.windows.keys().next().value!);
    }
  }

  succeeded(email: string): void {
    this.windows.delete(`e:${email.toLowerCase()}`);
  }
}
