/**
 * Issue 12, defect 6: the account server's `/` shows no account data without sign-in, and
 * every answer of both servers — pages, JSON, SCIM errors, the framework's 404 — forbids
 * framing (CSP frame-ancestors 'none' and X-Frame-Options), content sniffing and referrers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSystem, type TestSystem } from '../support/system.ts';

describe('security headers and the account server landing page', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ env: { SCIMBRIDGE_ACCOUNT_NAME: 'Initech Secret Team' } });
  });
  after(async () => {
    await sys.close();
  });

  test("the account server's / names the product and links to sign-in, and shows no account data", async () => {
    // Something to count, so that a count on the page would show.
    await sys.scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@initech.test',
      emails: [{ value: 'ada@initech.test', primary: true }],
    });
    const response = await fetch(`${sys.system.accountAddress}/`);
    assert.equal(response.status, 200);
    const page = await response.text();
    assert.match(page, /scimbridge/);
    assert.match(page, /href="\/signin"/);
    for (const secret of [
      'Initech Secret Team',
      'bridge.test',
      '/scim/v2',
      'ada@initech.test',
      'Groups',
      'Provisioning',
    ]) {
      assert.ok(!page.includes(secret), `the landing page shows "${secret}"`);
    }
    assert.doesNotMatch(page, /<dd>\s*\d+\s*<\/dd>/);
  });

  const accountRoutes: [string, string, Record<string, string>?][] = [
    ['GET', '/'],
    ['GET', '/ping'],
    ['GET', '/signin'],
    ['GET', '/signup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['GET', '/email-change/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['GET', '/member/vaults'],
    ['GET', '/metrics'],
    ['GET', '/api/v1/sign-ups/count'],
    ['POST', '/api/v1/sign-in/challenge', { 'content-type': 'application/json' }],
    ['GET', '/no-such-page'],
  ];
  const bridgeRoutes: [string, string, Record<string, string>?][] = [
    ['GET', '/'],
    ['GET', '/ping'],
    ['GET', '/health'],
    ['GET', '/metrics'],
    ['GET', '/logs'],
    ['GET', '/scim/v2/Users'],
    ['GET', '/scim/v2/ServiceProviderConfig'],
    ['POST', '/signin', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['GET', '/no-such-page'],
  ];

  for (const [server, routes] of [
    ['account server', accountRoutes],
    ['bridge', bridgeRoutes],
  ] as const) {
    test(`every answer of the ${server} forbids framing, sniffing and referrers`, async () => {
      const base = server === 'bridge' ? sys.system.bridgeAddress : sys.system.accountAddress;
      for (const [method, path, headers] of routes) {
        const response = await fetch(`${base}${path}`, {
          method,
          redirect: 'manual',
          headers: headers ?? {},
          ...(method === 'POST'
            ? { body: headers?.['content-type']?.includes('json') ? '{}' : 'token=x' }
            : {}),
        });
        await response.arrayBuffer();
        const where = `${method} ${path} (${response.status})`;
        assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, where);
        assert.equal(response.headers.get('x-frame-options'), 'DENY', where);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff', where);
        assert.ok(response.headers.get('referrer-policy'), where);
      }
    });
  }
});
