import type { TimeSource } from './time.ts';

/** How long an answer that came along with another call may serve the next one. */
export const RECENT_ANSWER_MS = 500;

/**
 * Answers that came along with another call, kept to serve the call that follows it: each
 * entry is used once and only within half a second, so it is never older than the answer it
 * came with. `limit` bounds the entries nobody asked for (they are all dropped past it).
 */
export class RecentAnswers<V> {
  private entries = new Map<string, { value: V; at: number }>();
  constructor(
    private readonly limit: number,
    private readonly time: TimeSource,
  ) {}

  put(key: string, value: V): void {
    if (this.entries.size >= this.limit) this.entries = new Map();
    this.entries.set(key, { value, at: this.time.monotonicNow() });
  }

  /** The values for all `keys`, each used up, or undefined when any is missing or stale. */
  take(keys: readonly string[]): V[] | undefined {
    const now = this.time.monotonicNow();
    const values: V[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry === undefined || now - entry.at >= RECENT_ANSWER_MS) return undefined;
      values.push(entry.value);
    }
    for (const key of keys) this.entries.delete(key);
    return values;
  }
}
