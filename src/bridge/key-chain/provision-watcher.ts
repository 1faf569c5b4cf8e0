/** Provision watcher (P10, P11): confirms pending members by sharing their groups' keys. Polls the sign-up counter, not a push, because the account cannot reach a bridge behind NAT; idempotent via version checks; a lease only saves work. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type {
  AccountClient,
  GroupKeyInfo,
  MissingKeyShare,
  PendingConfirmation,
} from '../../account/client.ts';
import type { Clock } from '../../clock.ts';
import type { Lease } from '../lease.ts';
import type { WatcherFailure, WatcherStatus, WatcherStatusSource } from '../watcher-status.ts';
import { type GroupKeyRing, GroupKeyUnavailable } from './group-key-ring.ts';
import { type NativeSealer, sealerFor } from './native-seal.ts';

export const DEFAULT_CONFIRMATION_INTERVAL_SECONDS = 300;
export const MIN_CONFIRMATION_INTERVAL_SECONDS = 30;
const DEFAULT_BATCH = 200;
const DEFAULT_SIGN_UP_POLL_MS = 5000;
const MAX_BACKOFF_SECONDS = 6 * 3600;
/** The status page shows this many failures at most; the log has the count. */
const MAX_REPORTED_FAILURES = 100;

export interface ProvisionWatcherOptions {
  client: AccountClient;
  keyRing: GroupKeyRing;
  clock: Clock;
  logger: Logger;
  intervalSeconds: number;
  batchSize?: number;
  signUpPollMs?: number;
  /** Several bridges: only the lease's holder runs. */
  lease?: Lease;
}

export interface WatcherRunSummary {
  confirmed: number;
  failed: number;
  /** Shares added by the sweep for members confirmed earlier. */
  shared: number;
  ms: number;
}

interface Backoff {
  /** The run that last met this member among the pending ones. */
  seenInRun: number;
  attempts: number;
  nextAttemptAt: number;
  failure: WatcherFailure;
}

export class ProvisionWatcher implements WatcherStatusSource {
  private readonly client: AccountClient;
  private readonly keyRing: GroupKeyRing;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly intervalSeconds: number;
  private readonly batchSize: number;
  private readonly signUpPollMs: number;

  private state: WatcherStatus['state'] = 'waiting_for_token';
  private lastRunAt: string | null = null;
  private lastRunError: string | null = null;
  private nextRunAt: number | null = null;
  private runsTotal = 0;
  private confirmedTotal = 0;
  private readonly backoff = new Map<string, Backoff>();

  private running: Promise<WatcherRunSummary> | undefined;
  private rerun: Promise<WatcherRunSummary> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private lastSignUps: number | undefined;
  private readonly lease: Lease | undefined;
  /** Without a lease this bridge always leads. */
  private leading: boolean;
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(options: ProvisionWatcherOptions) {
    this.client = options.client;
    this.keyRing = options.keyRing;
    this.clock = options.clock;
    this.logger = options.logger;
    this.intervalSeconds = options.intervalSeconds;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.signUpPollMs = options.signUpPollMs ?? DEFAULT_SIGN_UP_POLL_MS;
    this.lease = options.lease;
    this.leading = options.lease === undefined;
  }

  /** Run now, then on the interval; calling it while running only asks for a run. */
  start(): void {
    if (this.state === 'stopped') return;
    const first = this.state === 'waiting_for_token';
    if (first) {
      this.state = 'idle';
      this.logger.info({ intervalSeconds: this.intervalSeconds }, 'provision watcher started');
      this.pollSignUps();
      if (this.lease) {
        void this.holdLease();
        return;
      }
    }
    void this.runNow().catch(() => undefined);
  }

  /** Takes or renews the lease now and every third of its length; a bridge that takes it runs at once. */
  private async holdLease(): Promise<void> {
    const lease = this.lease;
    if (!lease || this.state === 'stopped') return;
    let held = false;
    try {
      held = await lease.tryAcquire();
    } catch {
      held = false;
    }
    if ((this.state as WatcherStatus['state']) === 'stopped') return;
    const took = held && !this.leading;
    if (held !== this.leading) {
      this.leading = held;
      this.logger.info(
        { lease: lease.name, mode: lease.status().mode },
        held
          ? 'provision watcher: this bridge holds the lease and runs it'
          : 'provision watcher: another bridge holds the lease; this one stands by',
      );
    }
    if (!held && this.state === 'idle') this.state = 'standby';
    if (held && this.state === 'standby') this.state = 'idle';
    if (took) void this.runNow().catch(() => undefined);
    this.leaseTimer = setTimeout(() => void this.holdLease(), Math.max(1, Math.floor(lease.ttlMs / 3)));
    this.leaseTimer.unref();
  }

  stop(): void {
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearTimeout(this.poller);
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    if (this.leading && this.lease) void this.lease.release().catch(() => undefined);
    this.leading = this.lease === undefined;
    this.timer = undefined;
    this.poller = undefined;
    this.nextRunAt = null;
    this.keyRing.forget();
  }

  /** Runs now, or once more right after the run in progress (runs never overlap). */
  runNow(): Promise<WatcherRunSummary> {
    if (this.running) {
      this.rerun ??= this.running.then(
        () => this.runNow(),
        () => this.runNow(),
      );
      return this.rerun;
    }
    const run = this.run().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    this.rerun = undefined;
    return run;
  }

  watcherStatus(): WatcherStatus {
    const failures = [...this.backoff.values()].slice(0, MAX_REPORTED_FAILURES).map((entry) => entry.failure);
    return {
      state: this.state,
      intervalSeconds: this.intervalSeconds,
      lastRunAt: this.lastRunAt,
      lastRunError: this.lastRunError,
      nextRunAt: this.nextRunAt === null ? null : new Date(this.nextRunAt).toISOString(),
      runsTotal: this.runsTotal,
      confirmedTotal: this.confirmedTotal,
      failures,
    };
  }

  /** `stop` (or losing the lease) may come while a run is under way; the run ends after the member in hand. */
  private get stopped(): boolean {
    return this.state === 'stopped' || !this.leading;
  }

  private schedule(): void {
    if (this.state === 'stopped' || this.state === 'waiting_for_token') return;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) {
      this.nextRunAt = null;
      return;
    }
    const delay = this.intervalSeconds * 1000;
    this.nextRunAt = this.clock.now().getTime() + delay;
    this.timer = setTimeout(() => void this.runNow().catch(() => undefined), delay);
    this.timer.unref();
  }

  private pollSignUps(): void {
    if (this.state === 'stopped') return;
    this.poller = setTimeout(async () => {
      try {
        const count = await this.client.signUpCounter();
        const grew = this.lastSignUps !== undefined && count > this.lastSignUps;
        this.lastSignUps = count;
        if (grew && this.leading) await this.runNow();
      } catch (error) {
        this.logger.debug({ reason: (error as Error).message }, 'sign-up counter not readable');
      } finally {
        this.pollSignUps();
      }
    }, this.signUpPollMs);
    this.poller.unref();
  }

  private async run(): Promise<WatcherRunSummary> {
    const started = performance.now();
    const summary: WatcherRunSummary = { confirmed: 0, failed: 0, shared: 0, ms: 0 };
    if (this.state === 'stopped' || !this.keyRing.ready || !this.leading) {
      return summary;
    }
    this.state = 'running';
    try {
      // Read before the members, so a sign-up during the run triggers another one.
      this.lastSignUps = await this.client.signUpCounter();
      // New credentials since the last run: group keys sealed for the old key move to the new one first.
      await this.keyRing.resealFromPrevious();
      const run = this.runsTotal + 1;
      const complete = await this.confirmPending(summary, run);
      // Members who are no longer pending (confirmed elsewhere, suspended) stop being failures.
      if (complete) {
        for (const [memberId, entry] of this.backoff)
          if (entry.seenInRun !== run) this.backoff.delete(memberId);
      }
      summary.shared = await this.sweepMissingShares();
      this.lastRunError = null;
    } catch (error) {
      this.lastRunError =
        error instanceof GroupKeyUnavailable ? error.reason : `the run stopped: ${(error as Error).message}`;
      this.logger.warn({ reason: this.lastRunError }, 'provision watcher run failed; it will try again');
    } finally {
      if (this.state === 'running') this.state = this.leading ? 'idle' : 'standby';
      this.runsTotal++;
      this.confirmedTotal += summary.confirmed;
      this.lastRunAt = this.clock.now().toISOString();
      summary.ms = Math.round(performance.now() - started);
      this.logger.info(
        { confirmed: summary.confirmed, failed: summary.failed, shared: summary.shared, ms: summary.ms },
        'provision watcher run',
      );
      this.schedule();
    }
    return summary;
  }

  /** True when it went through every pending member (not stopped half-way). */
  private async confirmPending(summary: WatcherRunSummary, run: number): Promise<boolean> {
    let after: string | undefined;
    for (;;) {
      const batch = await this.client.listPendingConfirmations({
        limit: this.batchSize,
        ...(after ? { afterMemberId: after } : {}),
      });
      if (batch.length === 0) return true;
      if (this.stopped) return false;
      await this.createMissingGroupKeys(batch);
      for (const pending of batch) {
        if (this.stopped) return false;
        // SQLite store calls complete synchronously: yield so a long run does not hold up IdP requests.
        await nextTurn();
        const known = this.backoff.get(pending.memberId);
        if (known) known.seenInRun = run;
        const outcome = await this.confirmOne(pending, run);
        if (outcome === 'confirmed') summary.confirmed++;
        else if (outcome === 'failed') summary.failed++;
      }
      if (batch.length < this.batchSize) return true;
      after = batch[batch.length - 1]!.memberId;
    }
  }

  /** Groups the bridge may hold but that have no key pair yet get one before their members are confirmed. */
  private async createMissingGroupKeys(batch: PendingConfirmation[]): Promise<void> {
    const missing = new Set<string>();
    for (const pending of batch)
      for (const group of pending.groups) if (!group.key) missing.add(group.groupId);
    if (missing.size === 0) return;
    const created = await this.keyRing.createKeys([...missing]);
    for (const pending of batch) {
      for (const group of pending.groups) if (!group.key) group.key = created.get(group.groupId) ?? null;
    }
  }

  private async confirmOne(
    pending: PendingConfirmation,
    run: number,
  ): Promise<'confirmed' | 'failed' | 'skipped'> {
    const now = this.clock.now().getTime();
    const backoff = this.backoff.get(pending.memberId);
    if (backoff && backoff.nextAttemptAt > now) return 'skipped';

    if (pending.role === 'guest') {
      return this.fail(
        pending,
        run,
        'is a guest: guests are confirmed by an administrator, not by provisioning',
      );
    }
    if (pending.publicKey === null) {
      return this.fail(pending, run, 'has no public key: ask them to sign up again from a new invitation');
    }
    const shares: Array<{ groupId: string; sealedPrivateKey: string }> = [];
    let sealer: NativeSealer;
    try {
      sealer = sealerFor(pending.publicKey);
    } catch (error) {
      if ((error as Error).name !== 'SealFormatError') throw error;
      return this.fail(
        pending,
        run,
        'has a public key that is not a usable X25519 key: ask them to sign up again',
      );
    }
    try {
      for (const group of pending.groups) {
        if (!group.key) return this.fail(pending, run, `group "${group.displayName}" has no key pair`);
        try {
          const member = { id: pending.memberId, publicKey: pending.publicKey };
          shares.push({
            groupId: group.groupId,
            sealedPrivateKey: await this.keyRing.sealFor(group.key, member, sealer),
          });
        } catch (error) {
          if (!(error instanceof GroupKeyUnavailable)) throw error;
          return this.fail(
            pending,
            run,
            `cannot open the key of group "${group.displayName}": ${error.reason}`,
          );
        }
      }
    } finally {
      sealer.close();
    }
    const { outcome } = await this.client.confirmMember({
      memberId: pending.memberId,
      expectedVersion: pending.version,
      shares,
    });
    if (outcome === 'confirmed') {
      this.backoff.delete(pending.memberId);
      return 'confirmed';
    }
    if (outcome === 'changed') {
      // The member or their groups changed since this batch was read: the next run reads them again.
      this.logger.debug(
        { memberId: pending.memberId },
        'member changed during confirmation; retrying next run',
      );
    }
    this.backoff.delete(pending.memberId);
    return 'skipped';
  }

  private fail(pending: PendingConfirmation, run: number, reason: string): 'failed' {
    const previous = this.backoff.get(pending.memberId);
    const attempts = (previous?.attempts ?? 0) + 1;
    const delaySeconds = Math.min(this.intervalSeconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS);
    const now = this.clock.now();
    this.backoff.set(pending.memberId, {
      seenInRun: run,
      attempts,
      nextAttemptAt: now.getTime() + delaySeconds * 1000,
      failure: { memberId: pending.memberId, email: pending.email, reason, at: now.toISOString() },
    });
    this.logger.warn(
      { memberId: pending.memberId, reason, retryInSeconds: delaySeconds },
      'provision watcher could not confirm a member',
    );
    return 'failed';
  }

  /** Shares keys with confirmed members who lack one, in keyset batches. */
  private async sweepMissingShares(): Promise<number> {
    let shared = 0;
    let after: { memberId: string; groupId: string } | undefined;
    const unavailable = new Set<string>();
    for (;;) {
      const missing: MissingKeyShare[] = await this.client.findMissingKeyShares({
        limit: this.batchSize,
        ...(after ? { after } : {}),
      });
      if (missing.length === 0 || this.stopped) return shared;
      const groupIds = [...new Set(missing.map((row) => row.groupId))];
      const keys = new Map<string, GroupKeyInfo>(
        (await this.client.getGroupKeys(groupIds)).map((key) => [key.groupId, key]),
      );
      const shares = [];
      for (const row of missing) {
        const key = keys.get(row.groupId);
        if (!key || unavailable.has(row.groupId)) continue;
        try {
          shares.push({
            groupId: row.groupId,
            memberId: row.memberId,
            sealedPrivateKey: await this.keyRing.sealFor(key, {
              id: row.memberId,
              publicKey: row.memberPublicKey,
            }),
          });
        } catch (error) {
          // A member whose public key is unusable is skipped; the next run meets them again.
          if ((error as Error).name === 'SealFormatError') continue;
          if (!(error instanceof GroupKeyUnavailable)) throw error;
          unavailable.add(row.groupId);
          this.logger.warn(
            { groupId: row.groupId, reason: error.reason },
            'provision watcher could not share a group key with its confirmed members',
          );
        }
      }
      shared += await this.client.addKeyShares(shares);
      await nextTurn();
      if (missing.length < this.batchSize) return shared;
      const last = missing[missing.length - 1]!;
      after = { memberId: last.memberId, groupId: last.groupId };
    }
  }
}
