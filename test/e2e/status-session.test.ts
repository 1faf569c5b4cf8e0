/**
 * The status page's session cookie over HTTP: Secure when the request came over HTTPS (here
 * through a trusted proxy), refused from another origin, and signing out really ends it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSystem, type TestSystem } from '../support/system.ts';

describe('status page session', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ env: { SCIMBRIDGE_TRUST_PROXY: 'true' } });
  });
  after(async () => {
    await sys.close();
  });

  const signIn = (headers: Record<string, string>) =>
    fetch(`${sys.system.bridgeAddress}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token: sys.token }).toString(),
      redirect: 'manual',
    });

  test('behind an HTTPS proxy the cookie is Secure; over plain HTTP it is not', async () => {
    const https = await signIn({ 'x-forwarded-proto': 'https' });
    assert.equal(https.status, 303);
    const secureCookie = https.headers.get('set-cookie') ?? '';
    sys.secrets.add(secureCookie.split(';')[0]!.split('=')[1]!);
    assert.match(secureCookie, /; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+; Secure$/);
    const http = await signIn({});
    const plainCookie = http.headers.get('set-cookie') ?? '';
    sys.secrets.add(plainCookie.split(';')[0]!.split('=')[1]!);
    assert.doesNotMatch(plainCookie, /Secure/);
  });

  test('a sign-in posted from another site is refused and sets nothing', async () => {
    const response = await signIn({ origin: 'https://evil.example' });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('behind a proxy that rewrites Host, a sign-in from the public address is ours', async () => {
    // The test system's public URL is https://bridge.test; the proxy sends Host: 127.0.0.1:port.
    const response = await signIn({ origin: 'https://bridge.test' });
    assert.equal(response.status, 303);
    sys.secrets.add((response.headers.get('set-cookie') ?? '').split(';')[0]!.split('=')[1]!);
  });

  test('the page carries headers that keep it out of frames and caches', async () => {
    const response = await fetch(sys.system.bridgeAddress);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });
});
