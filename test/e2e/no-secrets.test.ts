/**
 * P8: tokens and session secrets never reach a log line, an error or a page, whatever path
 * a request takes. This drives the failure paths where a secret could slip through — wrong
 * and malformed tokens, the token in odd places (query string, path, body, filter, other
 * headers, a cookie), a malformed session file, oversized and broken bodies, the status
 * page's sign-in — and then scans every log line, the log download and every response.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { assertNoSecretLogged, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

/** 401, or 429 once this address has failed too often: both refuse, and both are scanned. */
function assertRefused(status: number): void {
  assert.ok(status === 401 || status === 429, `status ${status}`);
}

describe('no secret in logs, errors or pages', () => {
  let sys: TestSystem;
  const responses: string[] = [];

  before(async () => {
    sys = await startTestSystem();
    const monitoring = await createMonitoringToken(
      { store: sys.store, clock: systemClock, ids: randomIds },
      'scan',
    );
    sys.secrets.add(monitoring.token);
  });
  after(async () => {
    await sys.close();
  });

  const send = async (
    pathAndQuery: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => {
    const response = await fetch(`${sys.system.bridgeAddress}${pathAndQuery}`, {
      redirect: 'manual',
      ...init,
    });
    const text = await response.text();
    const headerLines: string[] = [];
    response.headers.forEach((value, name) => {
      headerLines.push(`${name}: ${value}`);
    });
    responses.push(`${headerLines.join('\n')}\n\n${text}`);
    return { status: response.status, text };
  };

  test('failure paths with the token in odd places', async () => {
    const token = sys.token;
    const wrong = `sbt_${'A'.repeat(43)}`;
    const json = { 'content-type': 'application/scim+json' };
    const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

    // Wrong, malformed and misplaced credentials.
    assertRefused((await send('/scim/v2/Users', { headers: bearer(wrong) })).status);
    assertRefused((await send('/scim/v2/Users', { headers: bearer(`${token}x`) })).status);
    assertRefused(
      (
        await send('/scim/v2/Users', {
          headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
        })
      ).status,
    );
    assertRefused((await send('/scim/v2/Users', { headers: { authorization: token } })).status);
    assertRefused((await send('/scim/v2/Users', { headers: { 'x-api-key': token } })).status);
    assertRefused((await send(`/scim/v2/Users?access_token=${token}`)).status);
    assert.equal((await send(`/scim/v2/Users?token=${token}`, { headers: bearer(token) })).status, 200);
    assert.equal((await send(`/scim/v2/Users/${token}`, { headers: bearer(token) })).status, 404);
    assert.equal((await send(`/scim/v2/${token}`, { headers: bearer(token) })).status, 404);
    assert.equal(
      (
        await send(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${token}"`)}`, {
          headers: bearer(token),
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await send(`/scim/v2/Users?filter=${encodeURIComponent(`password eq "${token}"`)}`, {
          headers: bearer(token),
        })
      ).status,
      400,
    );
    assertRefused((await send('/scim/v2/Users', { headers: { cookie: `session=${token}` } })).status);

    // Bodies that carry the token: invalid JSON, wrong shapes, too large, a password attribute.
    const headers = { ...bearer(token), ...json };
    assert.equal(
      (await send('/scim/v2/Users', { method: 'POST', headers, body: `{"userName": ${token}` })).status,
      400,
    );
    assert.equal((await send('/scim/v2/Users', { method: 'POST', headers, body: `"${token}"` })).status, 400);
    assert.equal(
      (
        await send('/scim/v2/Users', {
          method: 'POST',
          headers,
          body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 42, displayName: token }),
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await send('/scim/v2/Users', {
          method: 'POST',
          headers,
          body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'pw@example.com', password: token }),
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await send('/scim/v2/Users', {
          method: 'POST',
          headers,
          body: JSON.stringify({ schemas: [USER_SCHEMA], userName: token.repeat(50000) }),
        })
      ).status,
      413,
    );
    assert.equal(
      (
        await send('/scim/v2/Users', {
          method: 'POST',
          headers: { ...bearer(token), 'content-type': 'text/xml' },
          body: `<t>${token}</t>`,
        })
      ).status,
      415,
    );

    // The status page and the monitoring endpoints.
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrongSignIn = await send('/signin', { method: 'POST', headers: form, body: `token=${wrong}` });
    assertRefused(wrongSignIn.status);
    assert.equal(
      (await send('/signin', { method: 'POST', headers: form, body: `token=%20${token}%20` })).status,
      303,
    );
    assert.equal(
      (await send('/signin', { method: 'POST', headers: form, body: `token=${'x'.repeat(10000)}${token}` }))
        .status,
      413,
    );
    assert.equal(
      (await send('/signin', { method: 'POST', headers: json, body: JSON.stringify({ token }) })).status,
      415,
    );
    assertRefused((await send(`/health?token=${token}`)).status);
    assertRefused((await send('/metrics', { headers: bearer(`sbm_${'B'.repeat(43)}`) })).status);
    assertRefused((await send('/logs', { headers: { cookie: `scimbridge_status=${token}` } })).status);
  });

  test('a malformed or foreign session file is reported by its source, never its content', async () => {
    const file = path.join(sys.dataDir, 'scimsession');
    const good = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')));
    // Valid JSON, wrong version: the real salt and blob are in it.
    await writeFile(file, JSON.stringify({ ...good, version: 99 }));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the provider re-reads at most once a second
    const fresh = `sbt_${'D'.repeat(42)}A`; // well-formed, opens nothing
    const refused = await send('/scim/v2/Users', { headers: { authorization: `Bearer ${fresh}` } });
    assertRefused(refused.status);
    await writeFile(file, `not json ${good.blob}`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await send('/scim/v2/Users', { headers: { authorization: `Bearer ${fresh}` } });
    const health = await send('/health', { headers: { authorization: `Bearer ${sys.token}` } });
    assert.equal(health.status, 200);
    const report = JSON.parse(health.text);
    // A broken replacement does not take the bridge down: it keeps the file it had, and
    // /health says the file on disk is broken (issue 12), naming its source, not its content.
    assert.equal(
      (await send('/scim/v2/Users?count=1', { headers: { authorization: `Bearer ${sys.token}` } })).status,
      200,
    );
    assert.equal(report.parts.credentials.label, 'Session file broken');
    assert.match(
      report.parts.credentials.detail,
      new RegExp(`file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.equal(report.parts.credentials.source, `file ${file}`);
    sys.secrets.add(good.salt);
    sys.secrets.add(good.nonce);
  });

  test('no secret in any log line, the log download, or any response', async () => {
    const lines = [...sys.logLines];
    assert.ok(lines.length >= 20, `${lines.length} log lines`);
    assertNoSecretLogged(lines, sys.secrets);
    assertNoSecretLogged(sys.recentLogs.snapshot(), sys.secrets);
    for (const response of responses) {
      for (const secret of sys.secrets) {
        assert.ok(!response.includes(secret), `a response holds a secret: ${response.slice(0, 2000)}`);
      }
    }
    // The failures were logged, with what an operator needs and nothing else.
    const messages = lines.map((line) => JSON.parse(line));
    assert.ok(messages.some((entry) => entry.msg === 'scim request' && entry.status === 401));
    assert.ok(
      messages.some((entry) => entry.msg === 'status page sign-in refused' && entry.reason === 'wrong_token'),
    );
    // The token put in a path came back in an error detail: scrubbed in the log as in the answer.
    assert.ok(
      messages.some(
        (entry) => entry.msg === 'scim request' && String(entry.detail).includes('sbt_[redacted]'),
      ),
    );
  });
});
