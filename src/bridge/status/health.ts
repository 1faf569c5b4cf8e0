/** The bridge's report on itself (P6, P7), one entry per part; the status page renders it and `/health` returns it as JSON. */

import type { AccountClient } from '../../account/client.ts';
import type { Clock } from '../../clock.ts';
import type { SessionHeader } from '../../crypto/credentials/session-file.ts';
import {
  type AccountProblem,
  type AccountProblemLog,
  adviceFor,
  PROBLEM_MESSAGES,
} from '../account-problems.ts';
import type { IdpRequestSummary, RequestRecord } from '../request-record.ts';
import type { SharedRedisStatus } from '../shared-redis.ts';
import type { WatcherStatus, WatcherStatusSource } from '../watcher-status.ts';
import { IDP_LABELS, silentPart } from './idp-health-section.ts';
import { replicasPart } from './replicas-part.ts';

/** `unknown`: not checked, because something it depends on is missing (shown, never hidden). */
export type PartStatus = 'ok' | 'warning' | 'problem' | 'unknown';
export type OverallStatus = 'ok' | 'degraded' | 'failing';

export interface PartReport {
  status: PartStatus;
  /** One or two words: "Connected", "On", "Valid", "Revoked", "Not running"… */
  label: string;
  detail: string;
  /** What to do about it; absent when nothing needs doing. */
  action?: string;
  checkedAt: string;
}

export interface HealthReport {
  status: OverallStatus;
  checkedAt: string;
  version: string;
  parts: {
    account: PartReport;
    provisioning: PartReport;
    credentials: PartReport & { source: string; keyId: string | null; unlocked: boolean };
    watcher: PartReport & { watcher: WatcherStatus | null };
    /** `shared`: the records of every bridge sharing Redis; otherwise this bridge's own. */
    requests: PartReport & { idps: IdpRequestSummary[]; shared: boolean };
    /** Shared state with other bridge replicas (Redis), or this bridge alone. */
    replicas: PartReport;
    version: PartReport;
  };
}

export interface BridgeHealthDeps {
  verifier: {
    readonly sessionSource: string;
    readonly session: { keyId: string } | undefined;
    readonly sessionProblem: string | undefined;
    sessionHeader(): Promise<SessionHeader | undefined>;
    /** What is wrong with the file on disk while the bridge runs on an earlier copy (token-verifier.ts). */
    diskProblem?(): Promise<string | undefined>;
  };
  client: Pick<AccountClient, 'checkProvisioning'>;
  /** Whether the account answers at all, for a separate bridge whose locked keys cannot sign in; throws like the client. */
  reachAccount?: ((accountUrl: string) => Promise<void>) | undefined;
  problems: AccountProblemLog;
  watcher?: WatcherStatusSource | undefined;
  requests: RequestRecord;
  version: string;
  clock: Clock;
  /** The shared Redis's reachability, when SCIMBRIDGE_REDIS_URL is set. */
  sharedState?: (() => SharedRedisStatus) | undefined;
}

type AccountCheck =
  | { outcome: 'ok' }
  /** The account could not be asked (locked keys); `reachable` when its /ping answered. */
  | { outcome: 'locked'; reachable: boolean }
  | { outcome: 'problem'; problem: AccountProblem }
  | { outcome: 'error'; message: string }
  | { outcome: 'no_session' };

export function createBridgeHealth(deps: BridgeHealthDeps): { report(): Promise<HealthReport> } {
  async function checkAccount(
    header: SessionHeader | undefined,
    keyId: string | undefined,
  ): Promise<AccountCheck> {
    if (keyId === undefined) return { outcome: 'no_session' };
    try {
      await deps.client.checkProvisioning(keyId);
      deps.problems.succeeded();
      return { outcome: 'ok' };
    } catch (error) {
      if (
        deps.verifier.session === undefined &&
        (error as { code?: unknown }).code === 'account_unreachable'
      ) {
        // Locked keys say nothing about the connection: ask whether the account answers at all.
        if (deps.reachAccount === undefined || header === undefined)
          return { outcome: 'locked', reachable: false };
        try {
          await deps.reachAccount(header.accountUrl);
          return { outcome: 'locked', reachable: true };
        } catch (unreachable) {
          const problem = deps.problems.failed(unreachable);
          if (problem) return { outcome: 'problem', problem };
          return {
            outcome: 'error',
            message: unreachable instanceof Error ? unreachable.message : String(unreachable),
          };
        }
      }
      const problem = deps.problems.failed(error);
      if (problem) return { outcome: 'problem', problem };
      return { outcome: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  return {
    async report() {
      const header = await deps.verifier.sessionHeader();
      const unlocked = deps.verifier.session;
      // The file on disk decides: after a regeneration the new file is what the next token opens.
      const keyId = header?.keyId ?? unlocked?.keyId;
      const check = await checkAccount(header, keyId);
      const diskProblem = header === undefined ? undefined : await deps.verifier.diskProblem?.();
      const at = deps.clock.now().toISOString();

      const parts: HealthReport['parts'] = {
        account: accountPart(check, at),
        provisioning: provisioningPart(check, at),
        credentials: {
          ...credentialsPart(check, header, unlocked?.keyId, deps.verifier.sessionProblem, diskProblem, at),
          source: deps.verifier.sessionSource,
          keyId: keyId ?? null,
          unlocked: unlocked !== undefined,
        },
        watcher: watcherPart(deps.watcher, at),
        requests: requestsPart(await deps.requests.report(), at),
        replicas: replicasPart(deps.sharedState, at),
        version: {
          status: 'ok',
          label: deps.version,
          detail: `scimbridge ${deps.version} on Node.js ${process.versions.node}`,
          checkedAt: at,
        },
      };
      // The IdP's last request is reported, but a 403 or 404 is an answer, not a fault (issue 12).
      const { requests: _requests, ...made } = parts;
      const statuses = Object.values(made).map((part) => part.status);
      const status: OverallStatus = statuses.includes('problem')
        ? 'failing'
        : statuses.includes('warning')
          ? 'degraded'
          : 'ok';
      return { status, checkedAt: at, version: deps.version, parts };
    },
  };
}

function accountPart(check: AccountCheck, at: string): PartReport {
  switch (check.outcome) {
    case 'ok':
      return { status: 'ok', label: 'Connected', detail: 'The account server answers.', checkedAt: at };
    case 'locked':
      return check.reachable
        ? {
            status: 'ok',
            label: 'Reachable',
            detail:
              'The account server answers. The bridge signs in to it once a valid bearer token unlocks its keys.',
            checkedAt: at,
          }
        : {
            status: 'unknown',
            label: 'Not checked',
            detail:
              'This bridge signs in to the account with keys that a valid bearer token unlocks; none has arrived since it started.',
            action: "Sign in on this page with the bearer token, or wait for the IdP's next request.",
            checkedAt: at,
          };
    case 'no_session':
      return {
        status: 'unknown',
        label: 'Not checked',
        detail: 'The bridge needs its session file to know which account to reach.',
        action: 'See "Credentials" below.',
        checkedAt: at,
      };
    case 'error':
      return {
        status: 'problem',
        label: 'Error',
        detail: `The account server answered with an unexpected error: ${check.message}`,
        action: 'Look for "request failed" lines in the logs below.',
        checkedAt: at,
      };
    case 'problem': {
      const { problem } = check;
      // These two are answers from the account: the connection itself works.
      if (problem.kind === 'provisioning_disabled' || problem.kind === 'credentials_revoked') {
        return { status: 'ok', label: 'Connected', detail: 'The account server answers.', checkedAt: at };
      }
      const label =
        problem.kind === 'firewall_blocked'
          ? 'Blocked by firewall'
          : problem.kind === 'tls'
            ? 'TLS problem'
            : problem.kind === 'clock_skew'
              ? 'Clock skew'
              : problem.kind === 'account_missing'
                ? 'No account'
                : 'Unreachable';
      return {
        status: 'problem',
        label,
        detail: `${capitalise(PROBLEM_MESSAGES[problem.kind])}.`,
        action: adviceFor(problem),
        checkedAt: at,
      };
    }
  }
}

function provisioningPart(check: AccountCheck, at: string): PartReport {
  if (
    check.outcome === 'ok' ||
    (check.outcome === 'problem' && check.problem.kind === 'credentials_revoked')
  ) {
    return { status: 'ok', label: 'On', detail: 'Provisioning is turned on in the account.', checkedAt: at };
  }
  if (check.outcome === 'problem' && check.problem.kind === 'provisioning_disabled') {
    return {
      status: 'problem',
      label: 'Off',
      detail: 'Provisioning is turned off in the account: every IdP request is refused with 403 (P3).',
      action: adviceFor(check.problem),
      checkedAt: at,
    };
  }
  return {
    status: 'unknown',
    label: 'Not checked',
    detail: 'Known once the account server answers.',
    checkedAt: at,
  };
}

function credentialsPart(
  check: AccountCheck,
  header: SessionHeader | undefined,
  unlockedKeyId: string | undefined,
  sessionProblem: string | undefined,
  diskProblem: string | undefined,
  at: string,
): PartReport {
  if (header === undefined) {
    return {
      status: 'problem',
      label: 'No session file',
      detail: sessionProblem ?? 'The bridge cannot read its session file.',
      action:
        'Generate credentials (console, or `scimbridge provisioning setup`) and give this bridge the session file: --session-path, SCIMBRIDGE_SESSION, SCIMBRIDGE_SESSION_B64 or a mounted secret.',
      checkedAt: at,
    };
  }
  if (diskProblem !== undefined) {
    return {
      status: 'problem',
      label: 'Session file broken',
      detail: `${capitalise(diskProblem.replace(/^Cannot/, 'cannot'))}. The bridge runs on the copy it read before, until it restarts.`,
      action:
        'Put the session file that belongs to the bearer token back where this bridge reads it (or generate new credentials), before the bridge restarts.',
      checkedAt: at,
    };
  }
  if (unlockedKeyId !== undefined && unlockedKeyId !== header.keyId) {
    return {
      status: 'warning',
      label: 'Waiting for the new token',
      detail:
        'A new session file is in place (the credentials were regenerated); the bridge switches to it when the new bearer token arrives.',
      action: 'Give the IdP the new bearer token, or sign in on this page with it.',
      checkedAt: at,
    };
  }
  if (check.outcome === 'problem' && check.problem.kind === 'credentials_revoked') {
    return {
      status: 'problem',
      label: 'Revoked',
      detail:
        "The account no longer accepts this session file's key: the credentials were regenerated or deactivated (P2).",
      action: adviceFor(check.problem),
      checkedAt: at,
    };
  }
  if (unlockedKeyId === undefined) {
    return {
      status: 'warning',
      label: 'Waiting for the token',
      detail:
        'The session file is here, but no valid bearer token has arrived since the bridge started, so its keys are still locked and the watcher cannot run.',
      action: "Sign in on this page with the bearer token, or wait for the IdP's next request.",
      checkedAt: at,
    };
  }
  if (check.outcome === 'problem' && check.problem.kind === 'provisioning_disabled') {
    return {
      status: 'problem',
      label: 'Turned off',
      detail:
        'Provisioning is turned off in the account, so these credentials no longer work; turning it on makes new ones (P2, P3).',
      action: adviceFor(check.problem),
      checkedAt: at,
    };
  }
  if (check.outcome !== 'ok') {
    // Only the account can say whether the key is still current; it was not asked.
    return {
      status: 'unknown',
      label: 'Not confirmed',
      detail:
        'The bearer token opened the session file, but the account could not be asked whether it still accepts its key.',
      action: 'See the account connection above.',
      checkedAt: at,
    };
  }
  return {
    status: 'ok',
    label: 'Valid',
    detail: 'The bearer token opened the session file and the account accepts its key.',
    checkedAt: at,
  };
}

function watcherPart(source: WatcherStatusSource | undefined, at: string): HealthReport['parts']['watcher'] {
  if (source === undefined) {
    return {
      status: 'warning',
      label: 'Not running',
      detail:
        'This bridge runs no provision watcher, so members who signed up are not confirmed automatically.',
      action: 'Confirm pending members in the account, or run a bridge that includes the watcher.',
      checkedAt: at,
      watcher: null,
    };
  }
  const watcher = source.watcherStatus();
  const base = { checkedAt: at, watcher };
  if (watcher.state === 'waiting_for_token') {
    return {
      ...base,
      status: 'warning',
      label: 'Waiting for the token',
      detail: 'The watcher starts once a valid bearer token unlocks the provisioning key (P11).',
      action: "Sign in on this page with the bearer token, or wait for the IdP's next request.",
    };
  }
  if (watcher.state === 'stopped') {
    return { ...base, status: 'warning', label: 'Stopped', detail: 'The watcher was stopped.' };
  }
  if (watcher.state === 'standby') {
    return {
      ...base,
      status: 'ok',
      label: 'Standing by',
      detail:
        "Another bridge holds the watcher's lease and runs it; this bridge takes over within one interval if that one stops.",
    };
  }
  if (watcher.lastRunError !== null) {
    return {
      ...base,
      status: 'problem',
      label: 'Last run failed',
      detail: `The last run failed: ${watcher.lastRunError}`,
      action: 'See the account connection above and the logs below.',
    };
  }
  if (watcher.failures.length > 0) {
    return {
      ...base,
      status: 'warning',
      label: `${watcher.failures.length} not confirmed`,
      detail: `The last run could not confirm ${watcher.failures.length} member(s); each is listed with the reason.`,
      action: 'Each reason says what fixes it.',
    };
  }
  return {
    ...base,
    status: 'ok',
    label: watcher.state === 'running' ? 'Running now' : 'Idle between runs',
    detail:
      watcher.lastRunAt === null
        ? `Runs every ${watcher.intervalSeconds} s; it has not run yet.`
        : `Runs every ${watcher.intervalSeconds} s; ${watcher.confirmedTotal} member(s) confirmed since start.`,
  };
}

function requestsPart(
  { idps, shared }: { idps: IdpRequestSummary[]; shared: boolean },
  at: string,
): HealthReport['parts']['requests'] {
  const part = requestsVerdict(idps, shared, at);
  return { ...part, idps, shared };
}

function requestsVerdict(idps: IdpRequestSummary[], shared: boolean, at: string): PartReport {
  if (idps.length === 0) {
    return {
      status: 'unknown',
      label: 'None yet',
      detail: shared
        ? 'No IdP request has reached any of the bridges sharing this Redis yet.'
        : 'No IdP request has reached this bridge since it started.',
      action:
        'If your IdP should be sending requests, check its SCIM base URL (ending in /scim/v2) and that it can reach this address over HTTPS.',
      checkedAt: at,
    };
  }
  // 401: the IdP holds a wrong token; 5xx: the bridge could not answer. Other 4xx are answers.
  const refused = idps.filter((idp) => idp.status === 401 || idp.status >= 500);
  if (refused.length > 0) {
    return {
      status: 'warning',
      label: 'Refused',
      detail: `The last request of ${refused.map((idp) => IDP_LABELS[idp.idp]).join(', ')} was refused (status ${refused.map((idp) => idp.status).join(', ')}).`,
      action: 'The reason is in the table below and in the logs.',
      checkedAt: at,
    };
  }
  const silent = idps.filter((idp) => idp.activity.overdue);
  if (silent.length > 0) return silentPart(silent, at, shared);
  return {
    status: 'ok',
    label: 'Answered',
    detail: 'The last request of each IdP was answered (a 404 for an unknown id is a normal answer).',
    checkedAt: at,
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
