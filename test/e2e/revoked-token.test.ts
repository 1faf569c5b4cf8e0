/**
 * Issue 12, defect 2: a revoked token opens none of the bridge's authenticated routes —
 * SCIM, /health, /metrics, /logs and the status page — after credentials are regenerated or
 * provisioning is turned off, even before the new token is first used; status-page sessions
 * opened before end. Over both transports: in process and over the account API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deactivateProvisioning } from '../../src/account/deactivate-provisioning.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { eventually, startTestSystem, type TestSystem } from '../support/system.ts';

for (const transport of ['in-process', 'http'] as const) {
  describe(`a revoked token opens nothing on the bridge (${transport})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ accountTransport: transport });
    });
    after(async () => {
      await sys.close();
    });

    const get = async (path: string, headers: Record<string, string>) => {
      const response = await fetch(`${sys.system.bridgeAddress}${path}`, { headers, redirect: 'manual' });
      return { status: response.status, text: await response.text() };
    };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const signIn = async (token: string) => {
      const response = await fetch(`${sys.system.bridgeAddress}/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
        redirect: 'manual',
      });
      const page = await response.text();
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
      if (cookie.includes('=')) sys.secrets.add(cookie.split('=')[1]!);
      return { status: response.status, cookie, page };
    };
    const ROUTES = ['/health', '/metrics', '/logs'];

    const allOpen = async (token: string, cookie: string) => {
      for (const path of ROUTES) assert.equal((await get(path, bearer(token))).status, 200, path);
      assert.equal((await get('/logs', { cookie })).status, 200);
      assert.match((await get('/', { cookie })).text, /scimbridge bridge status/);
    };
    const allClosed = async (token: string, cookie: string, reason: RegExp) => {
      for (const path of ROUTES) {
        const answer = await get(path, bearer(token));
        assert.equal(answer.status, 401, `${path} with the revoked token`);
        assert.match(answer.text, reason, path);
      }
      const page = await get('/', { cookie });
      assert.doesNotMatch(page.text, /scimbridge bridge status/, 'the old page session ended');
      assert.equal((await get('/logs', { cookie })).status, 401, '/logs with the old page session');
      const again = await signIn(token);
      assert.equal(again.status, 401);
      assert.equal(again.cookie, '');
    };

    test('after regeneration, before the new token is ever used', async () => {
      const old = sys.token;
      const session = await signIn(old);
      assert.equal(session.status, 303);
      await allOpen(old, session.cookie);

      const fresh = await sys.regenerate();
      // Nothing has used the new token yet: the bridge still holds the old keys.
      await eventually(async () => (await get('/health', bearer(old))).status === 401, 'refusing /health');
      await allClosed(old, session.cookie, /revoked/);
      assert.match(
        (await get('/', { cookie: session.cookie })).text,
        /sign-in|Sign in/i,
        'the status page asks for a sign-in again',
      );

      sys.token = fresh;
      assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);
      const next = await signIn(fresh);
      assert.equal(next.status, 303);
      await allOpen(fresh, next.cookie);
    });

    test('after provisioning is turned off; the page says why the session ended', async () => {
      const token = sys.token;
      const session = await signIn(token);
      assert.equal(session.status, 303);
      await allOpen(token, session.cookie);

      await deactivateProvisioning({ store: sys.store, clock: systemClock, ids: randomIds });
      await eventually(
        async () => (await get('/metrics', bearer(token))).status === 401,
        'refusing /metrics',
      );
      const ended = await get('/', { cookie: session.cookie });
      assert.match(ended.text, /Provisioning is turned off in the account/);
      await allClosed(token, session.cookie, /provisioning is turned off/);
      sys.token = await sys.regenerate();
    });
  });
}
