import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import pino from 'pino';
import { AccountError } from '../account/errors.ts';
import {
  AccountProblemLog,
  adviceFor,
  classifyAccountFailure,
  type FirewallBlockedError,
} from './account-problems.ts';

describe('account problems an operator can fix', () => {
  test('account errors, the firewall hook, clock skew', () => {
    assert.deepEqual(classifyAccountFailure(new AccountError('provisioning_disabled', 'off')), {
      kind: 'provisioning_disabled',
    });
    assert.deepEqual(classifyAccountFailure(new AccountError('credentials_revoked', 'x')), {
      kind: 'credentials_revoked',
    });
    const blocked: FirewallBlockedError & Error = Object.assign(new Error('blocked'), {
      code: 'firewall_blocked' as const,
      address: '203.0.113.9',
      rule: 'deny 203.0.113.0/24',
    });
    const problem = classifyAccountFailure(blocked);
    assert.deepEqual(problem, {
      kind: 'firewall_blocked',
      address: '203.0.113.9',
      rule: 'deny 203.0.113.0/24',
      cause: 'firewall_blocked: blocked',
    });
    // The account API's own refusal names address and rule in its message.
    const fromApi = classifyAccountFailure(
      new AccountError(
        'firewall_blocked',
        "the account refused the bridge's address 198.51.100.4: blocked by deny 198.51.100.0/24",
      ),
    );
    assert.equal(fromApi?.kind, 'firewall_blocked');
    assert.match(
      adviceFor(fromApi!),
      /198\.51\.100\.4: blocked by deny 198\.51\.100\.0\/24\. Add an allow rule/,
    );
    const tlsFromApi = classifyAccountFailure(
      new AccountError(
        'account_unreachable',
        "TLS: the account server's certificate is not accepted (CERT_HAS_EXPIRED)",
      ),
    );
    assert.equal(tlsFromApi?.kind, 'tls');
    assert.match(adviceFor(problem!), /203\.0\.113\.9 \(rule: deny 203\.0\.113\.0\/24\)/);
    assert.equal(
      classifyAccountFailure(Object.assign(new Error('skew 400 s'), { code: 'clock_skew' }))?.kind,
      'clock_skew',
    );
    assert.equal(
      classifyAccountFailure(new AccountError('member_not_found', 'x')),
      undefined,
      'not an operator problem',
    );
    assert.equal(classifyAccountFailure(new Error('a bug')), undefined);
  });

  test('the account API and its client keep the facts apart from the words', () => {
    const blocked = classifyAccountFailure(
      new AccountError('firewall_blocked', 'refused', { address: '192.0.2.7', rule: 'deny 192.0.2.0/24' }),
    );
    assert.match(
      adviceFor(blocked!),
      /^The account refused this bridge's address 192\.0\.2\.7 \(rule: deny 192\.0\.2\.0\/24\)/,
    );
    assert.doesNotMatch(adviceFor(blocked!), /firewall_blocked/);
    const unreachable = classifyAccountFailure(
      new AccountError('account_unreachable', 'the bridge cannot reach …; retry later', {
        transportProblem: 'connect ECONNREFUSED 127.0.0.1:9 (http://127.0.0.1:9)',
      }),
    );
    assert.deepEqual(unreachable, {
      kind: 'account_unreachable',
      cause: 'connect ECONNREFUSED 127.0.0.1:9 (http://127.0.0.1:9)',
    });
    assert.doesNotMatch(adviceFor(unreachable!), /retry later|account_unreachable:/);
  });

  test('a real refused connection through fetch is "unreachable", with its cause', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught);
    const problem = classifyAccountFailure(error);
    assert.equal(problem?.kind, 'account_unreachable');
    assert.match(problem && 'cause' in problem ? problem.cause : '', /ECONNREFUSED/);
  });

  test('certificate errors are TLS problems; timeouts are unreachable', () => {
    const tls = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    });
    assert.equal(classifyAccountFailure(tls)?.kind, 'tls');
    assert.match(adviceFor(classifyAccountFailure(tls)!), /NODE_EXTRA_CA_CERTS/);
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.equal(classifyAccountFailure(timeout)?.kind, 'account_unreachable');
  });

  test('each problem is logged when it starts, at most once a minute while it lasts, and when it clears', () => {
    const lines: Array<{ msg: string; problem?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let now = 0;
    const log = new AccountProblemLog(logger, { now: () => new Date(now) });
    const off = new AccountError('provisioning_disabled', 'off');
    for (let i = 0; i < 100; i++) {
      log.failed(off);
      now += 1000; // 100 s in all: logged at 0 s and at 60 s
    }
    assert.equal(lines.filter((line) => line.msg === 'provisioning is turned off in the account').length, 2);
    assert.equal(log.problem?.kind, 'provisioning_disabled');
    log.succeeded();
    log.succeeded();
    assert.equal(lines.filter((line) => line.msg === 'the account answers normally again').length, 1);
    assert.equal(log.problem, undefined);
    log.failed(off);
    assert.equal(lines.filter((line) => line.msg === 'provisioning is turned off in the account').length, 3);
  });
});
