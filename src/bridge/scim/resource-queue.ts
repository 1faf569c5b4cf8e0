/**
 * One read-modify-write at a time per resource in this bridge. A PUT or PATCH reads the
 * resource, computes the new one and writes it back under the version it read; concurrent
 * writes to one resource (IdPs send them) would otherwise mostly lose that race and read
 * again. Queued, each reads what the one before wrote and wins at the first attempt.
 *
 * This only saves work: other processes (more bridges, the CLI) still race, and
 * `withVersionRetry` is what keeps requests without If-Match from failing for it.
 */
export class ResourceQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    // Settled either way, so that a failed write does not fail the next one.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resources with writes under way or queued (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
