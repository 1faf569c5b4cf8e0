/**
 * (P7) No storms when a bridge flaps: hysteresis, and at most one notice per
 * `minNoticeIntervalMs` — a held-back notice is sent later, so recipients' news converges.
 * "Online" only follows "offline". One leader per database (`Store.tryLead`) sends one notice per incident.
 */
import type { Logger } from 'pino';
import { enqueueMail } from '../activity.ts';
import type { AccountDeps } from '../deps.ts';
import type { BridgeHealthRecord } from '../model.ts';
import type { StoreOps } from '../store.ts';

export interface HealthMonitorSettings {
  /** The bridges' public addresses; `/health` is appended. */
  bridgeUrls: readonly string[];
  intervalMs: number;
  timeoutMs: number;
  failuresBeforeOffline: number;
  successesBeforeOnline: number;
  minNoticeIntervalMs: number;
  /** A monitoring token (`sbm_…`). */
  token: string;
  accountName: string;
}

export const MONITOR_DEFAULTS = {
  intervalMs: 60_000,
  timeoutMs: 10_000,
  failuresBeforeOffline: 3,
  successesBeforeOnline: 2,
  minNoticeIntervalMs: 30 * 60_000,
} as const;

export interface HealthMonitorDeps extends AccountDeps {
  logger: Logger;
  fetch?: typeof fetch;
}

export type CheckOutcome = { ok: true; reportedStatus: string } | { ok: false; error: string };

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Undefined until the first round asked. */
  private leading: boolean | undefined;
  private enabled: boolean | undefined;

  constructor(
    private readonly deps: HealthMonitorDeps,
    private readonly settings: HealthMonitorSettings,
  ) {}

  start(): void {
    this.stopped = false;
    this.deps.logger.info(
      { bridges: this.settings.bridgeUrls, intervalSeconds: this.settings.intervalMs / 1000 },
      'health monitor started',
    );
    const tick = () => {
      this.running = this.checkAll()
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.settings.intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Never throws: a monitor that dies says nothing. */
  async checkAll(): Promise<BridgeHealthRecord[]> {
    if (!(await this.lead())) return [];
    if (!(await this.switchedOn())) return [];
    const results: BridgeHealthRecord[] = [];
    for (const url of this.settings.bridgeUrls) {
      try {
        results.push(await this.checkBridge(url));
      } catch (error) {
        this.deps.logger.error({ err: error, bridge: url }, 'health monitor check failed');
      }
    }
    return results;
  }

  /** Read at every round, so the Provisioning page's switch applies from the next one. */
  private async switchedOn(): Promise<boolean> {
    let enabled = true;
    try {
      enabled = (await this.deps.store.getMonitoringSwitch()).enabled;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'health monitor could not read its switch; skipping this round');
      return false;
    }
    if (enabled !== this.enabled) {
      this.enabled = enabled;
      if (!enabled) this.deps.logger.info('health monitor is switched off: no checks, no notices');
      else if (this.enabled !== undefined) this.deps.logger.info('health monitor is switched on again');
    }
    return enabled;
  }

  private async lead(): Promise<boolean> {
    let leading = false;
    try {
      leading = await this.deps.store.tryLead('health-monitor');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'health monitor could not ask who leads; skipping this round');
    }
    if (leading !== this.leading) {
      this.leading = leading;
      if (leading) this.deps.logger.info('health monitor: this account server leads the checks');
      else
        this.deps.logger.info('health monitor: another account server leads the checks; this one stands by');
    }
    return leading;
  }

  async checkBridge(bridgeUrl: string): Promise<BridgeHealthRecord> {
    const outcome = await this.probe(bridgeUrl);
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const { store } = this.deps;
    return store.transaction(async (tx) => {
      const previous: BridgeHealthRecord = (await tx.getBridgeHealth(bridgeUrl)) ?? {
        bridgeUrl,
        state: 'unknown',
        consecutiveFailures: 0,
        consecutiveSuccesses: 0,
        lastCheckAt: null,
        lastOkAt: null,
        lastError: null,
        reportedStatus: null,
        changedAt: null,
        lastNoticeAt: null,
        lastNotice: null,
      };
      const next: BridgeHealthRecord = { ...previous, lastCheckAt: at };
      if (outcome.ok) {
        next.consecutiveSuccesses = previous.consecutiveSuccesses + 1;
        next.consecutiveFailures = 0;
        next.lastOkAt = at;
        next.lastError = null;
        next.reportedStatus = outcome.reportedStatus;
        if (
          previous.state === 'unknown' ||
          (previous.state === 'offline' && next.consecutiveSuccesses >= this.settings.successesBeforeOnline)
        ) {
          next.state = 'online';
        }
      } else {
        next.consecutiveFailures = previous.consecutiveFailures + 1;
        next.consecutiveSuccesses = 0;
        next.lastError = outcome.error;
        if (previous.state !== 'offline' && next.consecutiveFailures >= this.settings.failuresBeforeOffline) {
          next.state = 'offline';
        }
      }
      if (next.state !== previous.state) {
        next.changedAt = at;
        const fields = { bridge: bridgeUrl, from: previous.state, to: next.state, error: next.lastError };
        if (next.state === 'offline') this.deps.logger.error(fields, 'bridge is offline');
        else
          this.deps.logger.info(
            fields,
            previous.state === 'offline' ? 'bridge is back online' : 'bridge is online',
          );
      } else if (!outcome.ok && next.state !== 'offline') {
        // Counting towards offline; once offline, the offline line said it and the state row keeps the rest.
        this.deps.logger.warn(
          { bridge: bridgeUrl, failures: next.consecutiveFailures, error: outcome.error },
          'bridge health check failed',
        );
      }

      const due = this.noticeDue(next, now.getTime());
      if (due !== undefined) {
        const recipients = await this.recipients(tx);
        if (recipients.length === 0) {
          this.deps.logger.warn(
            { bridge: bridgeUrl, notice: due },
            'no notification recipients: nobody was told about the bridge (scimbridge monitoring recipients)',
          );
        }
        const data: Record<string, unknown> = {
          accountName: this.settings.accountName,
          bridgeUrl,
          // Offline: when it last answered ("has not answered since …"); online: when it came back.
          since: (due === 'offline' ? (next.lastOkAt ?? next.changedAt) : next.changedAt) ?? at,
        };
        if (due === 'offline' && next.lastError !== null) data.detail = next.lastError;
        for (const to of recipients) {
          await enqueueMail(
            this.deps,
            tx,
            at,
            to,
            due === 'offline' ? 'bridge_offline' : 'bridge_online',
            data,
          );
        }
        next.lastNotice = due;
        next.lastNoticeAt = at;
        this.deps.logger.info(
          { bridge: bridgeUrl, notice: due, recipients: recipients.length },
          'bridge notice queued',
        );
      }
      await tx.saveBridgeHealth(next);
      return next;
    });
  }

  private noticeDue(record: BridgeHealthRecord, nowMs: number): 'offline' | 'online' | undefined {
    const wanted =
      record.state === 'offline'
        ? 'offline'
        : record.state === 'online' && record.lastNotice === 'offline'
          ? 'online'
          : undefined;
    if (wanted === undefined || wanted === record.lastNotice) return undefined;
    if (
      record.lastNoticeAt !== null &&
      nowMs - Date.parse(record.lastNoticeAt) < this.settings.minNoticeIntervalMs
    ) {
      return undefined;
    }
    return wanted;
  }

  /** Falls back to the owners. */
  private async recipients(tx: StoreOps): Promise<string[]> {
    const configured = await tx.listNotificationRecipients();
    if (configured.length > 0) return configured;
    const owners = await tx.findGroupByKind('owners');
    if (owners === undefined) return [];
    const refs = await tx.listGroupMembers(owners.id, { limit: 50 });
    const emails: string[] = [];
    for (const ref of refs) {
      const member = await tx.getMember(ref.id);
      if (member && member.state !== 'suspended') emails.push(member.email);
    }
    return emails;
  }

  private async probe(bridgeUrl: string): Promise<CheckOutcome> {
    const doFetch = this.deps.fetch ?? fetch;
    try {
      const response = await doFetch(`${bridgeUrl}/health`, {
        headers: { authorization: `Bearer ${this.settings.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'error',
      });
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        return {
          ok: false,
          error: `the bridge refused the monitoring token (HTTP ${response.status}); create one with \`scimbridge monitoring token create\` and give it to the monitor`,
        };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { ok: false, error: `the bridge answered HTTP ${response.status} on /health` };
      }
      const body = (await response.json()) as { status?: unknown };
      if (typeof body.status !== 'string')
        return { ok: false, error: '/health did not answer with a health report' };
      return { ok: true, reportedStatus: body.status };
    } catch (error) {
      return { ok: false, error: describeFetchError(error, this.settings.timeoutMs) };
    }
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `cannot connect: ${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
