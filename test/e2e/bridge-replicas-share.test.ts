/**
 * Two bridges that share nothing but the session file and Redis (issue 13): failed tokens
 * counted on one count on the other, a status-page sign-in on one works on the other and
 * signing out on one ends it on both, and a request answered by one shows on the other's
 * status page. With Redis not answering, each bridge does all of this alone, and says so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type BridgeReplicas, startBridgeReplicas } from '../support/bridge-replicas.ts';
import { deadRedisUrl, dropRedisKeys, testRedisPrefix } from '../support/redis.ts';
import { needsRedis, TEST_REDIS_URL } from '../support/requirements.ts';
import { type RoundRobinProxy, startRoundRobinProxy } from '../support/round-robin-proxy.ts';

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };

function scim(address: string, token: string, headers: Record<string, string> = {}) {
  return fetch(`${address}/scim/v2/Users?count=1`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
}

/** Signs in on the status page; the session cookie's `name=value`. */
async function signIn(replicas: BridgeReplicas, address: string): Promise<string> {
  const response = await fetch(`${address}/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: replicas.token }).toString(),
    redirect: 'manual',
  });
  assert.equal(response.status, 303, await response.text());
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  replicas.secrets.add(cookie.split('=')[1]!);
  return cookie;
}

/** Whether the status page at `address` opens with `cookie` (else it shows the sign-in form). */
async function signedIn(address: string, cookie: string): Promise<boolean> {
  const page = await (await fetch(`${address}/`, { headers: { cookie } })).text();
  return page.includes('action="/signout"');
}

/** Signs out with the form the page shows, its session token included (any bridge's page carries the same). */
async function signOut(address: string, cookie: string): Promise<void> {
  const page = await (await fetch(`${address}/`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const response = await fetch(`${address}/signout`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf }).toString(),
    redirect: 'manual',
  });
  assert.equal(response.status, 303);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
async function health(address: string, token: string): Promise<any> {
  const response = await fetch(`${address}/health`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return response.json();
}

/** The /health report once `ready` holds; fails after a generous deadline. */
async function healthWhen(
  address: string,
  token: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
  ready: (report: any) => boolean,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
): Promise<any> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const report = await health(address, token);
    if (ready(report)) return report;
    assert.ok(Date.now() < deadline, `not within 20 s: ${JSON.stringify(report.parts.requests)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two bridges sharing Redis', needsRedis, () => {
  let replicas: BridgeReplicas;
  const prefix = testRedisPrefix();
  before(async () => {
    replicas = await startBridgeReplicas({
      count: 2,
      env: { SCIMBRIDGE_REDIS_URL: TEST_REDIS_URL, SCIMBRIDGE_REDIS_PREFIX: prefix },
    });
  });
  after(async () => {
    await replicas?.close();
    await dropRedisKeys(prefix);
  });
  const a = () => replicas.bridges[0]!.address;
  const b = () => replicas.bridges[1]!.address;

  test('failed tokens on A count on B: after ten in all, both refuse wrong tokens; the right one still gets in', async () => {
    const wrong = `sbt_${'x'.repeat(43)}`;
    for (let i = 0; i < 5; i++) {
      assert.equal((await scim(a(), wrong)).status, 401);
      assert.equal((await scim(b(), wrong)).status, 401);
    }
    const onA = await scim(a(), wrong);
    assert.equal(onA.status, 429);
    assert.ok(Number(onA.headers.get('retry-after')) >= 1);
    assert.equal((await scim(b(), wrong)).status, 429);
    // The status page's sign-in counts wrong tokens into the same limit.
    const signInOnB = await fetch(`${b()}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: wrong }).toString(),
    });
    assert.equal(signInOnB.status, 429);
    assert.equal((await scim(b(), replicas.token)).status, 200);
    assert.equal((await scim(a(), replicas.token)).status, 200);
  });

  test('a status-page sign-in on A works on B; signing out on A ends it on B', async () => {
    const cookie = await signIn(replicas, a());
    assert.equal(await signedIn(a(), cookie), true);
    assert.equal(await signedIn(b(), cookie), true, 'the next request lands on B: still signed in');
    await signOut(a(), cookie);
    assert.equal(await signedIn(b(), cookie), false, 'signed out everywhere');
    assert.equal(await signedIn(a(), cookie), false);
  });

  test("a request answered by A shows on B's status page, counted with B's own", async () => {
    assert.equal((await scim(a(), replicas.token, OKTA)).status, 200);
    assert.equal((await scim(b(), replicas.token, OKTA)).status, 200);
    const report = await healthWhen(b(), replicas.token, (r) =>
      r.parts.requests.idps.some(
        // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
        (idp: any) => idp.idp === 'okta' && idp.total >= 2,
      ),
    );
    assert.equal(report.parts.requests.shared, true);
    assert.equal(report.parts.replicas.label, 'Redis connected');
    assert.match(report.parts.replicas.detail, /failed tokens, status-page sign-ins, the request records/);
    const cookie = await signIn(replicas, b());
    const page = await (await fetch(`${b()}/`, { headers: { cookie } })).text();
    assert.match(page, /Requests \(all bridges\)/);
    for (const bridge of replicas.bridges) {
      assert.ok(!bridge.lines.some((line) => line.includes('Redis unreachable')));
    }
  });
});

describe('two bridges whose Redis does not answer', () => {
  let replicas: BridgeReplicas;
  before(async () => {
    const url = await deadRedisUrl();
    replicas = await startBridgeReplicas({
      count: 2,
      env: { SCIMBRIDGE_REDIS_URL: url, SCIMBRIDGE_REDIS_PREFIX: testRedisPrefix() },
    });
    replicas.secrets.add('not-the-password');
  });
  after(async () => {
    await replicas?.close();
  });
  const a = () => replicas.bridges[0]!.address;
  const b = () => replicas.bridges[1]!.address;

  test('each bridge counts failed tokens alone, keeps its own sign-ins and records, and says so once', async () => {
    const wrong = `sbt_${'y'.repeat(43)}`;
    for (let i = 0; i < 10; i++) assert.equal((await scim(a(), wrong)).status, 401);
    assert.equal((await scim(a(), wrong)).status, 429, 'A applies the limit alone');
    assert.equal((await scim(b(), wrong)).status, 401, 'B counts its own');
    assert.equal((await scim(a(), replicas.token, OKTA)).status, 200, 'SCIM is answered');

    const cookie = await signIn(replicas, a());
    assert.equal(await signedIn(a(), cookie), true);
    assert.equal(await signedIn(b(), cookie), false, 'a sign-in made now works on its bridge only');
    await signOut(a(), cookie);
    assert.equal(await signedIn(a(), cookie), false);

    const onA = await health(a(), replicas.token);
    assert.equal(onA.parts.requests.shared, false);
    assert.ok(onA.parts.requests.idps.some((idp: { idp: string }) => idp.idp === 'okta'));
    const onB = await health(b(), replicas.token);
    assert.equal(onB.parts.replicas.label, 'Redis unreachable');
    assert.equal(onB.parts.replicas.status, 'warning');
    assert.match(
      onB.parts.replicas.detail,
      /Not shared until it is back: failed tokens are counted by this bridge alone/,
    );
    assert.ok(
      !onB.parts.requests.idps.some((idp: { idp: string }) => idp.idp === 'okta'),
      'B shows only its own',
    );

    for (const bridge of replicas.bridges) {
      const down = bridge.lines.filter((line) => line.includes('Redis unreachable'));
      assert.equal(down.length, 1, down.join('\n'));
    }
  });
});

describe('a bridge whose Redis stops answering while connected', needsRedis, () => {
  let replicas: BridgeReplicas;
  let proxy: RoundRobinProxy;
  const prefix = testRedisPrefix();
  before(async () => {
    const redis = new URL(TEST_REDIS_URL);
    // Redis behind a TCP proxy that can hold its answers: connected, but silent.
    proxy = await startRoundRobinProxy([{ host: redis.hostname, port: Number(redis.port || 6379) }]);
    replicas = await startBridgeReplicas({
      count: 1,
      env: {
        SCIMBRIDGE_REDIS_URL: `redis://${new URL(proxy.url).host}${redis.pathname}`,
        SCIMBRIDGE_REDIS_PREFIX: prefix,
      },
    });
  });
  after(async () => {
    proxy?.hold(false);
    await replicas?.close();
    await proxy?.close();
    await dropRedisKeys(prefix);
  });

  test('failed and right tokens are still answered, the limit is applied alone, and the page says so until Redis answers again', async () => {
    const address = replicas.bridges[0]!.address;
    const wrong = `sbt_${'z'.repeat(43)}`;
    assert.equal((await scim(address, wrong)).status, 401);
    await healthWhen(address, replicas.token, (r) => r.parts.replicas.label === 'Redis connected');

    proxy.hold(true);
    // Each use gives up after its timeout and falls back; nothing waits for Redis to come back.
    assert.equal((await scim(address, replicas.token)).status, 200);
    assert.equal((await scim(address, wrong)).status, 401, 'counted by this bridge alone');
    const down = await healthWhen(
      address,
      replicas.token,
      (r) => r.parts.replicas.label === 'Redis unreachable',
    );
    assert.match(down.parts.replicas.detail, /no answer within \d+ ms/);
    assert.equal(down.parts.requests.shared, false);
    const lines = replicas.bridges[0]!.lines.filter((line) => line.includes('Redis unreachable'));
    assert.equal(lines.length, 1, lines.join('\n'));

    proxy.hold(false);
    await healthWhen(address, replicas.token, (r) => r.parts.replicas.label === 'Redis connected');
    assert.ok(replicas.bridges[0]!.lines.some((line) => line.includes('Redis reachable again')));
  });
});
