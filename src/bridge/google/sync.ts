/** The Google Workspace sync (P21), led by one bridge; nothing applies before an approved preview, and a run suspending more than the configured share stops: one wrong selection must not lock a company out. */
import type { Logger } from 'pino';
import { BUILT_IN_GROUPS } from '../../account/built-in-groups.ts';
import type { AccountClient, MemberView } from '../../account/client.ts';
import type { Group } from '../../account/model.ts';
import type { TimerHandle, TimeSource } from '../account-http/time.ts';
import type { Lease } from '../lease.ts';
import { type ApplyResult, applyPlan, type ChangeKind } from './apply.ts';
import { type Backoff, defaultBackoff } from './backoff.ts';
import type { GoogleDirectory, GoogleDirectoryOptions } from './directory.ts';
import { GoogleSyncError } from './errors.ts';
import { type GoogleKeySource, loadGoogleKey } from './key-file.ts';
import {
  type AccountSnapshot,
  countsOf,
  type DirectorySnapshot,
  type PlanCounts,
  planSync,
  type SyncPlan,
} from './plan.ts';
import {
  GoogleSettingsError,
  type GoogleSettingsFile,
  type GoogleSyncSettings,
  normaliseAddress,
  normaliseGroups,
  sameGroups,
  syncActive,
} from './settings.ts';

export type RunOutcome = 'applied' | 'stopped_by_guard' | 'failed' | 'skipped';

export interface RunSummary {
  trigger: 'schedule' | 'manual';
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string;
  /** What the plan held (undefined when the run failed before planning). */
  planned?: PlanCounts;
  applied?: ApplyResult['done'];
  refused?: ApplyResult['refused'];
  /** Why it failed, stopped or was skipped, in words for the administrator. */
  message?: string;
}

export interface RunProgress {
  phase: 'reading Google' | 'reading the account' | 'applying';
  startedAt: string;
  usersRead: number;
  done: number;
  total: number;
}

export type SyncState = 'not_configured' | 'off' | 'awaiting_approval' | 'on';

export interface GoogleSyncStatus {
  state: SyncState;
  settings: GoogleSyncSettings;
  keySource: string | undefined;
  intervalMinutes: number;
  suspendLimitPercent: number;
  running: RunProgress | undefined;
  lastRun: RunSummary | undefined;
  /** Set while the last run was stopped by the mass-suspension guard. */
  guardStopped: boolean;
  /** The last preview made here (the status page shows it until the next one). */
  lastPreview: (Preview & { at: string }) | undefined;
  runsTotal: Record<RunOutcome, number>;
  changesTotal: Record<ChangeKind, number>;
}

export interface Preview {
  plan: SyncPlan;
  counts: PlanCounts;
  groups: string[];
}

export interface GoogleSyncOptions {
  client: AccountClient;
  settings: GoogleSettingsFile;
  keySource: () => GoogleKeySource | undefined;
  describeKeySource: (source: GoogleKeySource) => string;
  directory: (options: GoogleDirectoryOptions) => Promise<GoogleDirectory>;
  logger: Logger;
  time: TimeSource;
  random?: () => number;
  /** Several bridges (SCIMBRIDGE_REDIS_URL): only the holder of this `google-sync` lease runs; without one this bridge leads. */
  lease?: Lease | undefined;
  intervalMinutes: number;
  suspendLimitPercent: number;
  rootUrl?: string | undefined;
  tokenUrl?: string | undefined;
  /** Whether the account client can be used now (a separate bridge: after a token unlocked it). */
  ready?: () => boolean;
  backoff?: Partial<Pick<Backoff, 'attempts' | 'baseMs' | 'maxMs'>>;
}

const MEMBERS_PAGE = 1000;

/** The sync takes or renews its lease at each run, so the lease outlasts two intervals (at least ten minutes): a leader that died is replaced within about two runs. */
export function googleSyncLeaseMs(intervalMinutes: number): number {
  return Math.max(intervalMinutes * 60_000 * 2, 10 * 60_000);
}
/** The built-in group of owners, whom provisioning never manages (P16). */
const OWNERS = BUILT_IN_GROUPS.find((group) => group.kind === 'owners')?.displayName ?? 'Owners';

export class GoogleSync {
  private running: RunProgress | undefined;
  private current: Promise<RunSummary> | undefined;
  private lastRun: RunSummary | undefined;
  private lastPreview: (Preview & { at: string }) | undefined;
  private timer: TimerHandle | undefined;
  private started = false;
  private readonly runsTotal: Record<RunOutcome, number> = {
    applied: 0,
    stopped_by_guard: 0,
    failed: 0,
    skipped: 0,
  };
  private readonly changesTotal: Record<ChangeKind, number> = {
    invite: 0,
    match: 0,
    update: 0,
    emailChange: 0,
    reactivate: 0,
    suspend: 0,
    groupsCreate: 0,
    groupsChange: 0,
  };

  constructor(private readonly options: GoogleSyncOptions) {}

  async status(): Promise<GoogleSyncStatus> {
    const settings = await this.options.settings.read();
    const source = this.options.keySource();
    return {
      state:
        source === undefined || settings.admin === null || settings.groups.length === 0
          ? 'not_configured'
          : !settings.enabled
            ? 'off'
            : syncActive(settings)
              ? 'on'
              : 'awaiting_approval',
      settings,
      keySource: source ? this.options.describeKeySource(source) : undefined,
      intervalMinutes: this.options.intervalMinutes,
      suspendLimitPercent: this.options.suspendLimitPercent,
      running: this.running ? { ...this.running } : undefined,
      lastRun: this.lastRun,
      guardStopped: this.lastRun?.outcome === 'stopped_by_guard',
      lastPreview: this.lastPreview,
      runsTotal: { ...this.runsTotal },
      changesTotal: { ...this.changesTotal },
    };
  }

  /** What /metrics reads: in memory, no file or network. */
  counters(): Pick<GoogleSyncStatus, 'runsTotal' | 'changesTotal' | 'lastRun' | 'guardStopped'> & {
    running: boolean;
  } {
    return {
      runsTotal: { ...this.runsTotal },
      changesTotal: { ...this.changesTotal },
      lastRun: this.lastRun,
      guardStopped: this.lastRun?.outcome === 'stopped_by_guard',
      running: this.running !== undefined,
    };
  }

  /** Sets the administrator and/or the synced groups. A new group selection pauses the sync until approved. */
  async configure(change: { admin?: string; groups?: readonly string[] }): Promise<GoogleSyncSettings> {
    const admin =
      change.admin === undefined ? undefined : normaliseAddress(change.admin, 'the administrator');
    const groups = change.groups === undefined ? undefined : normaliseGroups(change.groups);
    const next = await this.options.settings.update((current) => ({
      ...current,
      ...(admin !== undefined ? { admin } : {}),
      ...(groups !== undefined ? { groups } : {}),
    }));
    this.options.logger.info(
      { admin: next.admin, groups: next.groups, approved: sameGroups(next.groups, next.approvedGroups) },
      'google sync settings changed',
    );
    return next;
  }

  async availableGroups(): Promise<Array<{ email: string; name: string }>> {
    const settings = await this.options.settings.read();
    const directory = await this.directory(settings);
    return (await directory.listGroups()).map(({ email, name }) => ({ email, name }));
  }

  /** What a run with the selected groups would do now; changes nothing. */
  async preview(onProgress?: (progress: RunProgress) => void): Promise<Preview> {
    const settings = await this.options.settings.read();
    const progress = this.newProgress();
    const plan = await this.makePlan(settings, progress, onProgress);
    const preview = { plan, counts: countsOf(plan), groups: settings.groups };
    this.lastPreview = { ...preview, at: new Date(this.options.time.wallNow()).toISOString() };
    return preview;
  }

  /** Turns the sync on: the preview is remade now and its suspensions must match the number the administrator confirmed. */
  async approve(confirmSuspensions: number): Promise<Preview> {
    const preview = await this.preview();
    if (preview.counts.suspend !== confirmSuspensions) {
      throw new GoogleSettingsError(
        `the preview now suspends ${preview.counts.suspend} member(s), not ${confirmSuspensions}: look at the preview again and confirm ${preview.counts.suspend}`,
      );
    }
    const now = new Date(this.options.time.wallNow()).toISOString();
    await this.options.settings.update((current) => ({
      ...current,
      enabled: true,
      approvedGroups: preview.groups,
      approvedAt: now,
      approvedSuspensions: confirmSuspensions,
    }));
    this.options.logger.info(
      { groups: preview.groups, suspensions: confirmSuspensions },
      'google sync turned on after the preview was confirmed',
    );
    return preview;
  }

  async turnOff(): Promise<void> {
    await this.options.settings.update((current) => ({
      ...current,
      enabled: false,
      approvedSuspensions: null,
    }));
    this.options.logger.info('google sync turned off');
  }

  /** One run now (or the run under way); scheduled runs call it too. */
  runNow(
    trigger: RunSummary['trigger'] = 'manual',
    onProgress?: (progress: RunProgress) => void,
  ): Promise<RunSummary> {
    this.current ??= this.run(trigger, onProgress).finally(() => {
      this.current = undefined;
      this.running = undefined;
    });
    return this.current;
  }

  /** Runs every `intervalMinutes`, the first run one interval from now. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.options.time.clearTimer(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => undefined);
    await this.options.lease?.release();
  }

  private schedule(): void {
    if (!this.started) return;
    this.timer = this.options.time.setTimer(() => {
      void this.runNow('schedule')
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.options.intervalMinutes * 60_000);
    const handle = this.timer.timer as { unref?: () => void };
    handle.unref?.();
  }

  private async run(
    trigger: RunSummary['trigger'],
    onProgress?: (progress: RunProgress) => void,
  ): Promise<RunSummary> {
    const startedAt = new Date(this.options.time.wallNow()).toISOString();
    const finish = (summary: Omit<RunSummary, 'trigger' | 'startedAt' | 'finishedAt'>): RunSummary => {
      const done: RunSummary = {
        trigger,
        startedAt,
        finishedAt: new Date(this.options.time.wallNow()).toISOString(),
        ...summary,
      };
      this.runsTotal[done.outcome]++;
      if (done.outcome !== 'skipped') {
        this.lastRun = done;
        this.logRun(done);
      }
      return done;
    };
    let settings: GoogleSyncSettings;
    try {
      settings = await this.options.settings.read();
    } catch (error) {
      return finish({ outcome: 'failed', message: (error as Error).message });
    }
    if (!syncActive(settings)) {
      return finish({
        outcome: 'skipped',
        message: settings.enabled
          ? 'the synced groups changed since the preview was confirmed: confirm a new preview'
          : 'the sync is off',
      });
    }
    if (this.options.ready && !this.options.ready()) {
      return finish({ outcome: 'skipped', message: 'the bridge is locked: sign in with the bearer token' });
    }
    if (this.options.lease && !(await this.options.lease.tryAcquire())) {
      return finish({ outcome: 'skipped', message: 'another bridge leads the Google sync' });
    }
    const progress = this.newProgress();
    this.running = progress;
    let plan: SyncPlan;
    try {
      plan = await this.makePlan(settings, progress, onProgress);
    } catch (error) {
      return finish({ outcome: 'failed', message: messageOf(error) });
    }
    const planned = countsOf(plan);
    const limit = Math.max(1, Math.floor((plan.activeMembers * this.options.suspendLimitPercent) / 100));
    const confirmed = settings.approvedSuspensions ?? 0;
    if (plan.suspend.length > limit && plan.suspend.length > confirmed) {
      return finish({
        outcome: 'stopped_by_guard',
        planned,
        message: `this run would suspend ${plan.suspend.length} of ${plan.activeMembers} active members, more than the ${this.options.suspendLimitPercent} % limit; nothing was changed. Check the synced groups, look at the preview, and confirm the suspensions by count to go ahead`,
      });
    }
    progress.phase = 'applying';
    progress.total = Object.values(planned).reduce((sum, value) => sum + value, 0) - planned.activeMembers;
    onProgress?.({ ...progress });
    let result: ApplyResult;
    try {
      result = await applyPlan(this.options.client, plan, (_kind, done) => {
        progress.done = done;
        onProgress?.({ ...progress });
      });
    } catch (error) {
      return finish({
        outcome: 'failed',
        planned,
        message: `${messageOf(error)}; the next run completes what this one did not`,
      });
    }
    for (const [kind, count] of Object.entries(result.done)) this.changesTotal[kind as ChangeKind] += count;
    if (settings.approvedSuspensions !== null) {
      await this.options.settings.update((current) => ({ ...current, approvedSuspensions: null }));
    }
    return finish({ outcome: 'applied', planned, applied: result.done, refused: result.refused });
  }

  private newProgress(): RunProgress {
    return {
      phase: 'reading Google',
      startedAt: new Date(this.options.time.wallNow()).toISOString(),
      usersRead: 0,
      done: 0,
      total: 0,
    };
  }

  private async directory(settings: GoogleSyncSettings): Promise<GoogleDirectory> {
    const source = this.options.keySource();
    if (source === undefined) {
      throw new GoogleSyncError(
        'not_configured',
        'no Google service-account key: give the bridge its JSON key file (SCIMBRIDGE_GOOGLE_KEY_FILE, SCIMBRIDGE_GOOGLE_KEY_B64, or a mounted secret google-workspace-key.json)',
      );
    }
    if (settings.admin === null) {
      throw new GoogleSyncError(
        'not_configured',
        'no administrator to act as: choose one (scimbridge google configure --admin)',
      );
    }
    const key = await loadGoogleKey(source);
    return this.options.directory({
      key,
      admin: settings.admin,
      backoff: {
        ...defaultBackoff(this.options.time, this.options.random),
        ...this.options.backoff,
        onRetry: (error, delayMs) =>
          this.options.logger.warn(
            { delayMs, reason: error.message },
            'google directory busy; trying again after a pause',
          ),
      },
      rootUrl: this.options.rootUrl,
      tokenUrl: this.options.tokenUrl,
    });
  }

  private async makePlan(
    settings: GoogleSyncSettings,
    progress: RunProgress,
    onProgress?: (progress: RunProgress) => void,
  ): Promise<SyncPlan> {
    if (settings.groups.length === 0) {
      throw new GoogleSyncError(
        'not_configured',
        'no Google groups are chosen: choose the groups whose members are provisioned',
      );
    }
    const directory = await this.directory(settings);
    // Read everything before writing anything: Google going away mid-read changes nothing.
    const groups: DirectorySnapshot['groups'] = [];
    for (const email of settings.groups) {
      const group = await directory.getGroup(email);
      const members = await directory.listMembers(email);
      groups.push({
        group,
        memberIds: members.filter((member) => member.type === 'USER').map((member) => member.id),
      });
    }
    const users = await directory.listUsers((soFar) => {
      progress.usersRead = soFar;
      onProgress?.({ ...progress });
    });
    progress.phase = 'reading the account';
    onProgress?.({ ...progress });
    const account = await readAccount(this.options.client);
    return planSync({ users: new Map(users.map((user) => [user.id, user])), groups }, account);
  }

  private logRun(summary: RunSummary): void {
    const fields = {
      trigger: summary.trigger,
      outcome: summary.outcome,
      planned: summary.planned,
      applied: summary.applied,
      refused: summary.refused?.map(({ kind, who, code }) => ({ kind, who, code })),
    };
    if (summary.outcome === 'applied') this.options.logger.info(fields, 'google sync finished');
    else if (summary.outcome === 'stopped_by_guard')
      this.options.logger.warn(
        { ...fields, reason: summary.message },
        'google sync stopped by the mass-suspension guard',
      );
    else this.options.logger.error({ ...fields, reason: summary.message }, 'google sync failed');
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readAccount(client: AccountClient): Promise<AccountSnapshot> {
  const members: MemberView[] = [];
  for (let startIndex = 1; ; ) {
    const page = await client.listMembers({ startIndex, count: MEMBERS_PAGE });
    members.push(...page.items);
    startIndex += page.items.length;
    if (page.items.length === 0 || startIndex > page.total) break;
  }
  const groups: AccountSnapshot['groups'] = [];
  const all: Group[] = [];
  for (let startIndex = 1; ; ) {
    const page = await client.listGroups({ startIndex, count: MEMBERS_PAGE });
    all.push(...page.items);
    startIndex += page.items.length;
    if (page.items.length === 0 || startIndex > page.total) break;
  }
  for (const group of all) {
    const memberIds: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await client.listGroupMembers(group.id, {
        ...(after ? { afterMemberId: after } : {}),
        limit: MEMBERS_PAGE,
      });
      memberIds.push(...page.map((ref) => ref.id));
      if (page.length < MEMBERS_PAGE) break;
      after = page[page.length - 1]?.id;
    }
    groups.push({ group, memberIds });
  }
  const protectedIds = new Set<string>();
  for (let index = 0; index < members.length; index += 500) {
    const ids = members.slice(index, index + 500).map((member) => member.id);
    for (const [memberId, of] of await client.groupsOfMembers(ids)) {
      if (of.some((group) => !group.managed && group.displayName === OWNERS)) protectedIds.add(memberId);
    }
  }
  return { members, groups, protectedIds };
}
