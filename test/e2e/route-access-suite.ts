/**
 * Route-access guard (issue 12): every route both services register is in the table of
 * test/support/route-access.ts, and each answers no credentials, revoked credentials, a
 * monitoring token and a member's session exactly as the table says. Real servers, real
 * HTTP; each request from its own address (X-Forwarded-For with a trusted proxy) so that the
 * failed-token limiter answers for no one but the request itself. route-access.test.ts runs it
 * over the transport the environment picks, route-access-http.test.ts always over the account
 * HTTP API (where a revoked key once led the bridge into the account's sign-in limit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMonitoringToken, revokeMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { digestSecretToken, newSecretToken } from '../../src/account/secret-token.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import {
  type Probe,
  ROUTE_ACCESS,
  type RouteAccess,
  registeredRoutes,
  type Service,
} from '../support/route-access.ts';
import { signUp } from '../support/sign-up.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

type Credential = Probe | 'revoked-token' | 'revoked-monitoring';

/** Known defects another change fixes; their checks run as todo until it lands. */
/** Rows whose access is known to be wrong, each a todo naming its defect; none today. */
const KNOWN: { service: Service; path: string; credential: Credential; todo: string }[] = [];

const normalise = (path: string) => (path.startsWith('/assets/') ? '/assets/*' : path);
const key = (service: string, method: string, path: string) => `${service} ${method} ${normalise(path)}`;

let addressCounter = 0;
/** A distinct client address per request: TEST-NET-2 and -3 ranges (RFC 5737). */
function nextAddress(): string {
  addressCounter++;
  return `198.51.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
}

/** The whole guard as one suite over `transport` (default: SCIMBRIDGE_TEST_TRANSPORT). */
export function describeRouteAccess(transport?: 'in-process' | 'http'): void {
  describe(`route access${transport ? ` (${transport})` : ''}`, () => {
    let sys: TestSystem;
    const credentials: Record<Exclude<Credential, 'none'>, Record<string, string>> = {
      monitoring: {},
      member: {},
      'revoked-token': {},
      'revoked-monitoring': {},
    };
    let routes: Record<Service, { method: string; path: string }[]>;

    before(async () => {
      sys = await startTestSystem({
        env: { SCIMBRIDGE_TRUST_PROXY: 'true' },
        ...(transport ? { accountTransport: transport } : {}),
      });
      const deps = { store: sys.store, clock: systemClock, ids: randomIds };
      // A member who signed up and has a session.
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'route.member@example.com',
      });
      assert.equal(created.status, 201, created.text);
      await signUp(sys.store, created.body.id);
      const session = newSecretToken();
      const now = new Date();
      await sys.store.insertMemberSession({
        tokenHash: digestSecretToken(session),
        memberId: created.body.id,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
      });
      credentials.member = { cookie: `scimbridge_member=${session}` };
      const monitoring = await createMonitoringToken(deps, 'route table');
      credentials.monitoring = { authorization: `Bearer ${monitoring.token}` };
      const revoked = await createMonitoringToken(deps, 'revoked');
      await revokeMonitoringToken(deps, revoked.record.id);
      credentials['revoked-monitoring'] = { authorization: `Bearer ${revoked.token}` };
      // The old token has been used (the bridge holds its keys), then credentials are regenerated.
      const oldToken = sys.token;
      assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);
      sys.token = await sys.regenerate();
      credentials['revoked-token'] = { authorization: `Bearer ${oldToken}` };
      sys.secrets.add(session);
      sys.secrets.add(monitoring.token);
      routes = {
        bridge: registeredRoutes(sys.system.bridge.printRoutes({ commonPrefix: false })),
        account: registeredRoutes(sys.system.accountServer.printRoutes({ commonPrefix: false })),
      };
    });
    after(async () => {
      await sys.close();
    });

    test('every registered route is in the table, and every row is a registered route', () => {
      const registered = new Set(
        (['bridge', 'account'] as const).flatMap((service) =>
          routes[service].map((route) => key(service, route.method, route.path)),
        ),
      );
      const listed = new Set(ROUTE_ACCESS.map((row) => key(row.service, row.method, row.path)));
      assert.deepEqual(
        [...registered].filter((route) => !listed.has(route)),
        [],
        'routes missing from test/support/route-access.ts',
      );
      assert.deepEqual(
        [...listed].filter((route) => !registered.has(route)),
        [],
        'rows for routes that no longer exist',
      );
    });

    function urlOf(row: RouteAccess): string {
      const base = row.service === 'bridge' ? sys.system.bridgeAddress : sys.system.accountAddress;
      let path = row.path
        .replace(/:id|:name/g, '00000000-0000-4000-8000-000000000000')
        .replace(/:token|:secret/g, 'A'.repeat(43));
      if (path === '/assets/*') {
        const asset = routes.account.find((route) => route.path.startsWith('/assets/'));
        path = asset!.path;
      }
      return `${base}${path}`;
    }

    async function probe(
      row: RouteAccess,
      credential: Credential,
    ): Promise<{ status: number; location: string | null }> {
      const headers: Record<string, string> = {
        'x-forwarded-for': nextAddress(),
        ...(credential === 'none' ? {} : credentials[credential]),
      };
      const withBody = row.method !== 'GET' && row.method !== 'DELETE';
      if (withBody) {
        headers['content-type'] = row.path.startsWith('/scim/')
          ? 'application/scim+json'
          : 'application/json';
        // Same-origin, as a browser form or script on the page would send it.
        headers.origin = row.service === 'bridge' ? sys.system.bridgeAddress : sys.system.accountAddress;
      }
      const response = await fetch(urlOf(row), {
        method: row.method,
        headers,
        redirect: 'manual',
        ...(withBody ? { body: '{}' } : {}),
      });
      await response.arrayBuffer();
      return { status: response.status, location: response.headers.get('location') };
    }

    const denied = (answer: { status: number; location: string | null }) =>
      answer.status === 401 ||
      answer.status === 403 ||
      (answer.status >= 300 &&
        answer.status < 400 &&
        // To a sign-in page: the member's, or the console's at `/`.
        (/signin|sign-in/.test(answer.location ?? '') || answer.location === '/'));

    const CREDENTIALS: readonly Credential[] = [
      'none',
      'monitoring',
      'member',
      'revoked-token',
      'revoked-monitoring',
    ];

    for (const row of ROUTE_ACCESS) {
      const known = (credential: Credential) =>
        KNOWN.find((k) => k.service === row.service && k.path === row.path && k.credential === credential);
      const check = async (credential: Credential) => {
        const answer = await probe(row, credential);
        assert.ok(answer.status < 500, `${credential}: ${answer.status}`);
        if (row.allows.includes('none')) return; // public: any credential is as good as none
        const allowed =
          credential === 'monitoring' || credential === 'member' ? row.allows.includes(credential) : false;
        assert.equal(
          !denied(answer),
          allowed,
          `${credential} ${allowed ? 'must' : 'must not'} get in; got ${answer.status}${answer.location ? ` → ${answer.location}` : ''}`,
        );
      };
      test(`${row.service} ${row.method} ${row.path}: ${row.allows.length === 0 ? 'its own credential only' : row.allows.join(', ')}`, async () => {
        for (const credential of CREDENTIALS) {
          if (known(credential) === undefined) await check(credential);
        }
      });
      for (const credential of CREDENTIALS) {
        const defect = known(credential);
        if (defect)
          test(`${row.service} ${row.method} ${row.path}: ${credential}`, { todo: defect.todo }, () =>
            check(credential),
          );
      }
    }
  });
}
