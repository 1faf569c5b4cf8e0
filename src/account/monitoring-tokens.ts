/**
 * Monitoring tokens (P7): a status-only credential for monitors. `sbm_` and 32 random bytes
 * in base64url; the account stores only its SHA-256. It opens the bridge's `/health` and
 * `/metrics` and the account server's `/metrics`, and nothing else: SCIM, the status page
 * and the log download refuse it (they check the IdP bearer token, whose prefix is `sbt_`).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { AccountClient } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { ActivityEntry, MonitoringToken } from './model.ts';
import { digestSecretToken, newSecretToken } from './secret-token.ts';

/** Monitoring tokens are an administrator's act (CLI or console), not provisioning's. */
function adminActivity(
  deps: AccountDeps,
  at: string,
  action: string,
  tokenId: string,
  detail: Record<string, unknown>,
): ActivityEntry {
  return { id: deps.ids(), at, actor: 'admin', action, targetType: 'account', targetId: tokenId, detail };
}

export const MONITORING_TOKEN_PREFIX = 'sbm_';
const TOKEN_SHAPE = /^sbm_[A-Za-z0-9_-]{43}$/;

/**
 * How long a check remembers a token that passed. A revoked token keeps working at most this
 * long on a bridge (and on the account server's `/metrics`) that accepted it just before.
 */
export const MONITORING_TOKEN_CACHE_MS = 30_000;

export interface MonitoringCheckOptions {
  /**
   * Accept only tokens known without a lookup: configured tokens and ones that passed within
   * the cache time. Set for an address past the failed-token limit, so that guesses from it
   * cost no query (and, on a separate bridge, no account API call), while the health
   * monitor's own token still gets through.
   */
  localOnly?: boolean;
}

/** What the bridge needs: is this a monitoring token the account issued? */
/**
 * A separate bridge could not ask the account about a monitoring token (not signed in yet,
 * account unreachable or refusing the bridge): neither yes nor no. The route answers 503
 * and does not count it as a wrong token.
 */
export class MonitoringTokenUncheckedError extends Error {
  constructor(reason: string) {
    super(`monitoring tokens cannot be checked with the account right now: ${reason}`);
    this.name = 'MonitoringTokenUncheckedError';
  }
}

export interface MonitoringTokenCheck {
  isMonitoringToken(token: string, options?: MonitoringCheckOptions): Promise<boolean>;
}

/** `sbm_` and 43 base64url characters; anything else is refused before it is hashed or sent. */
export function hasMonitoringTokenShape(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export const hashMonitoringToken = digestSecretToken;

export function generateMonitoringToken(): string {
  return newSecretToken(MONITORING_TOKEN_PREFIX);
}

/** Makes a token, stores its hash, and returns the token: the only time anyone sees it. */
export async function createMonitoringToken(
  deps: AccountDeps,
  label: string,
): Promise<{ token: string; record: MonitoringToken }> {
  const cleanLabel = label.trim();
  if (
    cleanLabel === '' ||
    cleanLabel.length > 100 ||
    [...cleanLabel].some((char) => char.charCodeAt(0) < 0x20)
  ) {
    throw new AccountError(
      'invalid_input',
      'a monitoring token needs a label of 1 to 100 printable characters',
    );
  }
  const token = generateMonitoringToken();
  const now = deps.clock.now().toISOString();
  const record: MonitoringToken = {
    id: deps.ids(),
    label: cleanLabel,
    tokenHash: hashMonitoringToken(token),
    createdAt: now,
  };
  await deps.store.transaction(async (tx) => {
    await tx.insertMonitoringToken(record);
    await tx.appendActivity(
      adminActivity(deps, now, 'monitoring_token.created', record.id, { label: cleanLabel }),
    );
  });
  return { token, record };
}

export async function revokeMonitoringToken(deps: AccountDeps, id: string): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    const removed = await tx.deleteMonitoringToken(id);
    if (removed) {
      await tx.appendActivity(adminActivity(deps, now, 'monitoring_token.revoked', id, {}));
    }
    return removed;
  });
}

/**
 * Checks monitoring tokens against the store. A token that passed is remembered for
 * `cacheMs` (0: not at all), so a scraper every few seconds costs no query; a revoked token
 * stops working within that time. `extraTokens` are accepted too (the one-process health
 * monitor's own token, which lives only in memory).
 */
export function createStoreMonitoringTokenCheck(
  deps: Pick<AccountDeps, 'store' | 'clock'>,
  options: { cacheMs?: number; extraTokens?: readonly string[] } = {},
): MonitoringTokenCheck {
  const cacheMs = options.cacheMs ?? MONITORING_TOKEN_CACHE_MS;
  const extra = new Set((options.extraTokens ?? []).map(hashMonitoringToken));
  const passed = new Map<string, number>();
  return {
    async isMonitoringToken(token, check) {
      if (!TOKEN_SHAPE.test(token)) return false;
      const hash = hashMonitoringToken(token);
      if (extra.has(hash)) return true;
      const now = deps.clock.now().getTime();
      const until = passed.get(hash);
      if (until !== undefined && now < until) return true;
      if (check?.localOnly === true) return false;
      const found = await deps.store.findMonitoringToken(hash);
      if (found === undefined) {
        passed.delete(hash);
        return false;
      }
      if (cacheMs > 0) {
        if (passed.size > 1000) passed.clear();
        passed.set(hash, now + cacheMs);
      }
      return true;
    },
  };
}

/**
 * A separate bridge's check (P7): it cannot read the account's database, so it asks the
 * account over the API (`AccountClient.checkMonitoringToken`) — which answers from the same
 * store check as the one-process mode. A token that passed is remembered by its SHA-256 for
 * `cacheMs`, so a revoked token stops working within that time; a refusal is not remembered.
 *
 * When the account cannot be asked (unreachable, the session file not opened yet, the bridge
 * refused), the token is refused and the reason is logged once, until a question succeeds
 * again. The token itself is never logged. Put `createStaticMonitoringTokenCheck` with the
 * bridge's own SCIMBRIDGE_MONITOR_TOKEN in front, so the health monitor can still read a
 * bridge whose account link is down.
 */
/** Monitoring-token questions a separate bridge has in flight to the account at most. */
const MAX_QUESTIONS = 8;

export function createAccountMonitoringTokenCheck(options: {
  account: Pick<AccountClient, 'checkMonitoringToken'>;
  clock: Clock;
  logger: Logger;
  cacheMs?: number;
}): MonitoringTokenCheck {
  const { account, clock, logger } = options;
  const cacheMs = options.cacheMs ?? MONITORING_TOKEN_CACHE_MS;
  const passed = new Map<string, number>();
  /** The kind of failure last logged (its error code); undefined while asking works. */
  let problem: string | undefined;
  /** Questions to the account in flight, by token hash. */
  const questions = new Map<string, Promise<boolean>>();
  return {
    async isMonitoringToken(token, check) {
      if (!TOKEN_SHAPE.test(token)) return false;
      const hash = hashMonitoringToken(token);
      const now = clock.now().getTime();
      const until = passed.get(hash);
      if (until !== undefined) {
        if (now < until) return true;
        passed.delete(hash);
      }
      if (check?.localOnly === true) return false;
      // The same token asked for at once (a scraper and the monitor) is asked about once; and
      // a burst of different guesses — the failed-token limit counts them only as they fail —
      // reaches the account at most MAX_QUESTIONS at a time.
      const asking = questions.get(hash);
      if (asking === undefined && questions.size >= MAX_QUESTIONS) {
        throw new MonitoringTokenUncheckedError('too many monitoring tokens are being checked at once');
      }
      let valid: boolean;
      try {
        if (asking !== undefined) valid = await asking;
        else {
          const question = account.checkMonitoringToken(token);
          questions.set(hash, question);
          try {
            valid = await question;
          } finally {
            questions.delete(hash);
          }
        }
      } catch (error) {
        // The message says where and why (the account URL, the transport problem); it never
        // holds the token, which travels only in the request body.
        const known = error instanceof AccountError;
        const reason = known ? error.message : 'the account API call failed';
        const kind = known ? error.code : 'failed';
        if (kind !== problem) {
          problem = kind;
          logger.warn(
            { event: 'monitoring_token.unchecked', problem: reason },
            `monitoring tokens cannot be checked with the account: ${reason}; until they can, only this bridge's SCIMBRIDGE_MONITOR_TOKEN opens /health and /metrics`,
          );
        }
        throw new MonitoringTokenUncheckedError(reason);
      }
      if (problem !== undefined) {
        problem = undefined;
        logger.info(
          { event: 'monitoring_token.checked' },
          'monitoring tokens are checked with the account again',
        );
      }
      if (valid && cacheMs > 0) {
        if (passed.size > 1000) passed.clear();
        passed.set(hash, clock.now().getTime() + cacheMs);
      }
      return valid;
    },
  };
}

/**
 * Accepts the given tokens (a separate bridge's SCIMBRIDGE_MONITOR_TOKEN: the one its
 * account server's monitor presents) without asking anyone, and otherwise asks `next` when
 * there is one.
 */
export function createStaticMonitoringTokenCheck(
  tokens: readonly string[],
  next?: MonitoringTokenCheck,
): MonitoringTokenCheck {
  const accepted = new Set(tokens.map(hashMonitoringToken));
  return {
    async isMonitoringToken(token, check) {
      if (TOKEN_SHAPE.test(token) && accepted.has(hashMonitoringToken(token))) return true;
      return next === undefined ? false : next.isMonitoringToken(token, check);
    },
  };
}
