/** (P7) Status-only: SCIM and the log download check the IdP token (`sbt_`) and refuse these. */
import type { ActivityAction } from './activity-actions.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { MonitoringToken, NewActivityEntry } from './model.ts';
import { digestSecretToken, newSecretToken } from './secret-token.ts';

function adminActivity(
  deps: AccountDeps,
  at: string,
  action: ActivityAction,
  tokenId: string,
  detail: Record<string, unknown>,
): NewActivityEntry {
  return { id: deps.ids(), at, actor: 'admin', action, targetType: 'account', targetId: tokenId, detail };
}

export const MONITORING_TOKEN_PREFIX = 'sbm_';
const TOKEN_SHAPE = /^sbm_[A-Za-z0-9_-]{43}$/;

/** A revoked token keeps working at most this long where it just passed. */
export const MONITORING_TOKEN_CACHE_MS = 30_000;

export interface MonitoringCheckOptions {
  /** For addresses past the failure limit: guesses cost no query, the monitor's own token still passes. */
  localOnly?: boolean;
}

export interface MonitoringTokenCheck {
  isMonitoringToken(token: string, options?: MonitoringCheckOptions): Promise<boolean>;
}

/** Refused before it is hashed or sent. */
export function hasMonitoringTokenShape(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export const hashMonitoringToken = digestSecretToken;

export function generateMonitoringToken(): string {
  return newSecretToken(MONITORING_TOKEN_PREFIX);
}

/** The only time anyone sees the token. */
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

/** Caches passes so a frequent scraper costs no query; `extraTokens` is the in-memory monitor token. */
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

/** A separate bridge's SCIMBRIDGE_MONITOR_TOKEN, accepted without asking the account. */
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
