/** How a separate bridge checks monitoring tokens (P7): it cannot read the account's database, so it asks over the API. */
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

/** The account could not be asked: neither yes nor no, so the route answers 503 and does not count a wrong token. */
export class MonitoringTokenUncheckedError extends Error {
  constructor(reason: string) {
    super(`monitoring tokens cannot be checked with the account right now: ${reason}`);
    this.name = 'MonitoringTokenUncheckedError';
  }
}

/** Monitoring-token questions a separate bridge has in flight to the account at most. */
const MAX_QUESTIONS = 8;

/** Passes are cached by SHA-256 for `cacheMs` (a revoked token stops within it), refusals not; unreachable throws MonitoringTokenUncheckedError, logged once. Put the static check first so the monitor works when the link is down. */
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
      // Identical concurrent tokens are asked once, and a burst of guesses reaches the account at most MAX_QUESTIONS at a time.
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
        // The message never holds the token, which travels only in the request body.
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
