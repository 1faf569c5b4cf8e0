/**
 * How a separate bridge checks monitoring tokens (P7): it cannot read the account's database,
 * so it asks the account over the account API (`AccountClient.checkMonitoringToken`).
 */
import type { Logger } from 'pino';
import type { AccountClient } from '../account/client.ts';
import { AccountError } from '../account/errors.ts';
import {
  hashMonitoringToken,
  hasMonitoringTokenShape,
  MONITORING_TOKEN_CACHE_MS,
  type MonitoringTokenCheck,
} from '../account/monitoring-tokens.ts';
import type { Clock } from '../clock.ts';

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

/** Monitoring-token questions a separate bridge has in flight to the account at most. */
const MAX_QUESTIONS = 8;

/**
 * A separate bridge's check (P7): it cannot read the account's database, so it asks the
 * account over the API (`AccountClient.checkMonitoringToken`) — which answers from the same
 * store check as the one-process mode. A token that passed is remembered by its SHA-256 for
 * `cacheMs`, so a revoked token stops working within that time; a refusal is not remembered.
 *
 * When the account cannot be asked (unreachable, the session file not opened yet, the bridge
 * refused), the check throws `MonitoringTokenUncheckedError` (the route answers 503) and the
 * reason is logged once, until a question succeeds again. The token itself is never logged. Put `createStaticMonitoringTokenCheck` with the
 * bridge's own SCIMBRIDGE_MONITOR_TOKEN in front, so the health monitor can still read a
 * bridge whose account link is down.
 */
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
      if (!hasMonitoringTokenShape(token)) return false;
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
