/**
 * The separate bridge's monitoring-token check (P7): it asks the account, caches valid
 * answers only, skips the question for an address past the limit, asks about one token once
 * at a time, and says once, without the token, when it cannot ask.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loggerInto } from '../../test/support/log-lines.ts';
import { AccountError } from '../account/errors.ts';
import { generateMonitoringToken } from '../account/monitoring-tokens.ts';
import type { Clock } from '../clock.ts';
import {
  createAccountMonitoringTokenCheck,
  MonitoringTokenUncheckedError,
} from './monitoring-token-check.ts';

describe('a separate bridge asking the account', () => {
  const setup = (answer: (token: string) => Promise<boolean>) => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    const lines: string[] = [];
    const asked: string[] = [];
    const check = createAccountMonitoringTokenCheck({
      account: {
        checkMonitoringToken: (token) => {
          asked.push(token);
          return answer(token);
        },
      },
      clock,
      logger: loggerInto(lines),
      cacheMs: 30_000,
    });
    return { check, lines, asked, advance: (ms: number) => (now += ms) };
  };

  test('the same token asked for at once is asked about once; a burst of guesses at most 8 at a time', async () => {
    let answerAll = (_valid: boolean) => {};
    const pending = new Promise<boolean>((resolve) => {
      answerAll = resolve;
    });
    const { check, asked } = setup(() => pending);
    const token = generateMonitoringToken();
    const same = [check.isMonitoringToken(token), check.isMonitoringToken(token)];
    const guesses = Array.from({ length: 12 }, () => check.isMonitoringToken(generateMonitoringToken()));
    const settled = Promise.allSettled([...same, ...guesses]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(asked.length, 8, 'one question for the repeated token, seven for guesses, then no more');
    answerAll(false);
    const outcomes = await settled;
    const refusedForLoad = outcomes.filter(
      (outcome) => outcome.status === 'rejected' && outcome.reason instanceof MonitoringTokenUncheckedError,
    );
    assert.equal(refusedForLoad.length, 5);
    assert.equal(asked.filter((asked) => asked === token).length, 1);
  });

  test('valid answers are remembered for the cache time, refusals not at all', async () => {
    const valid = generateMonitoringToken();
    let revoked = false;
    const { check, asked, advance } = setup(async (token) => token === valid && !revoked);
    assert.equal(await check.isMonitoringToken(valid), true);
    revoked = true;
    advance(29_999);
    assert.equal(await check.isMonitoringToken(valid), true);
    assert.equal(asked.length, 1);
    advance(2);
    assert.equal(await check.isMonitoringToken(valid), false);
    assert.equal(await check.isMonitoringToken(valid), false);
    assert.equal(asked.length, 3);
  });

  test('malformed tokens and an address past the limit cost no question', async () => {
    const { check, asked } = setup(async () => true);
    for (const malformed of ['', 'sbm_short', `sbt_${'A'.repeat(43)}`, `sbm_${'A'.repeat(44)}`]) {
      assert.equal(await check.isMonitoringToken(malformed), false);
    }
    const token = generateMonitoringToken();
    assert.equal(await check.isMonitoringToken(token, { localOnly: true }), false);
    assert.equal(asked.length, 0);
    assert.equal(await check.isMonitoringToken(token), true);
    // Known now: it gets through from a blocked address too.
    assert.equal(await check.isMonitoringToken(token, { localOnly: true }), true);
    assert.equal(asked.length, 1);
  });

  test('an account that cannot be asked refuses the token and is logged once per reason, without it', async () => {
    let failure: Error | undefined = new AccountError(
      'account_unreachable',
      'the bridge cannot reach the account server at http://127.0.0.1:1: connect ECONNREFUSED',
    );
    const { check, lines } = setup(async () => {
      if (failure) throw failure;
      return true;
    });
    const token = generateMonitoringToken();
    for (let i = 0; i < 3; i++) {
      await assert.rejects(check.isMonitoringToken(token), MonitoringTokenUncheckedError);
    }
    failure = new Error(`boom ${token}`);
    await assert.rejects(check.isMonitoringToken(token), (error: unknown) => {
      assert.ok(error instanceof MonitoringTokenUncheckedError);
      assert.ok(!error.message.includes(token.slice(4)));
      return true;
    });
    failure = undefined;
    assert.equal(await check.isMonitoringToken(token), true);
    const messages = lines.map((line) => JSON.parse(line).msg as string);
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages[0]!, /cannot be checked with the account: the bridge cannot reach/);
    assert.match(messages[1]!, /cannot be checked with the account: the account API call failed/);
    assert.match(messages[2]!, /checked with the account again/);
    for (const line of lines) assert.ok(!line.includes(token.slice(4)));
  });
});
