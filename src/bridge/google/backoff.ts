/**
 * Exponential back-off with full jitter on the injected time (research §4.3 G6: Google asks
 * clients to back off on quota answers). Only `retryable` failures are tried again.
 */
import { sleepOn, type TimeSource } from '../account-http/time.ts';
import { GoogleSyncError } from './errors.ts';

export interface Backoff {
  time: TimeSource;
  /** Uniform in [0, 1). */
  random: () => number;
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Told before each pause (the run's progress shows it). */
  onRetry?: (error: GoogleSyncError, delayMs: number) => void;
}

export function defaultBackoff(time: TimeSource, random: () => number = Math.random): Backoff {
  return { time, random, attempts: 7, baseMs: 1000, maxMs: 64_000 };
}

export async function withBackoff<T>(backoff: Backoff, attempt: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof GoogleSyncError) || !error.retryable || tried >= backoff.attempts) throw error;
      const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (tried - 1));
      const asked = error.retryAfterSeconds === undefined ? 0 : error.retryAfterSeconds * 1000;
      const delay = Math.max(asked, Math.round(ceiling / 2 + (ceiling / 2) * backoff.random()));
      backoff.onRetry?.(error, delay);
      await sleepOn(backoff.time, delay);
    }
  }
}
