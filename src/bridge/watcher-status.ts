/**
 * What the provision watcher (P10, P11) reports about itself. The watcher produces it; the
 * status page, `/health` and `/metrics` read it. Timestamps are ISO-8601 UTC.
 */
export interface WatcherFailure {
  memberId: string;
  email: string;
  /** Says what is wrong and what fixes it, e.g. "has no public key: ask them to sign up again". */
  reason: string;
  at: string;
}

export interface WatcherStatus {
  /**
   * `waiting_for_token`: the bridge has not seen a valid token since it started, so it
   * cannot open the provisioning key yet (DESIGN.md, "the token is the key").
   * `standby`: another bridge holds the watcher's lease and runs it; this one takes over
   * when that one stops renewing it.
   */
  state: 'waiting_for_token' | 'idle' | 'running' | 'standby' | 'stopped';
  intervalSeconds: number;
  lastRunAt: string | null;
  /** Why the last run as a whole failed (e.g. the account was unreachable); null when it succeeded. */
  lastRunError: string | null;
  nextRunAt: string | null;
  /** Counted since the bridge started. */
  runsTotal: number;
  confirmedTotal: number;
  /** Members the last run could not confirm; reported, not retried in a hot loop. */
  failures: WatcherFailure[];
}

export interface WatcherStatusSource {
  watcherStatus(): WatcherStatus;
}
