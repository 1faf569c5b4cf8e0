/**
 * Monitoring tokens (P7): a status-only credential for monitors. `sbm_` and 32 random bytes
 * in base64url; the account stores only its SHA-256. It opens the bridge's `/health` and
 * `/metrics` and the account server's `/metrics`, and nothing else: SCIM, the status page
 * and the log download refuse it (they check the IdP bearer token, whose prefix is `sbt_`).
 */
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
