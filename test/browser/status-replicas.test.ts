// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The status page of bridge replicas in real Chromium (issue 13). Sharing Redis: signed in
 * on bridge A, the page of bridge B opens too (a browser sends the cookie of 127.0.0.1 to
 * both ports, as it would to two replicas behind one host name), shows the request A answered,
 * and signing out on B ends it on A. With Redis not answering, the Replicas part says what is
 * not shared now. Each state is photographed and checked by axe-core.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type BridgeReplicas, startBridgeReplicas } from '../support/bridge-replicas.ts';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, screenshot } from '../support/console.ts';
import { deadRedisUrl, dropRedisKeys, testRedisPrefix } from '../support/redis.ts';
import { needsChromium, needsRedis, TEST_REDIS_URL } from '../support/requirements.ts';
import { partText, signIn, waitForParts } from '../support/status-page.ts';

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };

describe(
  'status page of bridges sharing Redis, in Chromium',
  needsChromium.skip ? needsChromium : needsRedis,
  () => {
    let replicas: BridgeReplicas;
    let browser: Browser;
    let page: Page;
    let shotsDir: string;
    const prefix = testRedisPrefix();
    before(async () => {
      shotsDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-replica-shots-'));
      replicas = await startBridgeReplicas({
        count: 2,
        env: { SCIMBRIDGE_REDIS_URL: TEST_REDIS_URL, SCIMBRIDGE_REDIS_PREFIX: prefix },
      });
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 820, height: 900 } })).newPage();
    });
    after(async () => {
      await browser?.close();
      await replicas?.close();
      await dropRedisKeys(prefix);
      await rm(shotsDir, { recursive: true, force: true });
    });
    const a = () => replicas.bridges[0]!.address;
    const b = () => replicas.bridges[1]!.address;

    test('signed in on A, B’s page opens and shows what A answered; signing out on B ends it on A', async () => {
      const answered = await fetch(`${a()}/scim/v2/Users?count=1`, {
        headers: { authorization: `Bearer ${replicas.token}`, ...OKTA },
      });
      assert.equal(answered.status, 200);
      await page.goto(a());
      await signIn(page, replicas.token);
      const cookie = (await page.context().cookies()).find((c) => c.name === 'scimbridge_status');
      assert.ok(cookie);
      replicas.secrets.add(cookie.value);

      const texts = await waitForParts(
        page,
        b(),
        { replicas: /OK: Redis connected/, requests: /Okta[\s\S]*Requests \(all bridges\)\s+1/ },
        20_000,
      );
      assert.match(texts.replicas, /failed tokens, status-page sign-ins, the request records/);
      await assertAccessible(page, 'status page, replicas sharing Redis');
      await screenshot(page, shotsDir, 'status-replicas-shared');

      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: 'Sign out' }).click(),
      ]);
      await page.goto(a());
      assert.equal(await page.getByLabel('Bearer token').count(), 1, 'A asks for the token again');
    });
  },
);

describe('status page of a bridge whose Redis does not answer, in Chromium', needsChromium, () => {
  let replicas: BridgeReplicas;
  let browser: Browser;
  let page: Page;
  let shotsDir: string;
  before(async () => {
    shotsDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-replica-shots-'));
    replicas = await startBridgeReplicas({
      count: 1,
      env: { SCIMBRIDGE_REDIS_URL: await deadRedisUrl(), SCIMBRIDGE_REDIS_PREFIX: testRedisPrefix() },
    });
    replicas.secrets.add('not-the-password');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 820, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await replicas?.close();
    await rm(shotsDir, { recursive: true, force: true });
  });

  test('the Replicas part warns and says what is not shared until Redis is back', async () => {
    const address = replicas.bridges[0]!.address;
    await page.goto(address);
    await signIn(page, replicas.token);
    const text = await partText(page, 'replicas');
    assert.match(text, /Warning: Redis unreachable|Redis unreachable/);
    assert.match(text, /failed tokens are counted by this bridge alone/);
    assert.match(text, /a status-page sign-in made now works on this bridge only/);
    assert.match(text, /SCIMBRIDGE_REDIS_URL/);
    assert.ok(!text.includes('not-the-password'));
    await assertAccessible(page, 'status page, Redis unreachable');
    await page.locator('section[aria-labelledby="replicas"]').scrollIntoViewIfNeeded();
    await screenshot(page, shotsDir, 'status-replicas-redis-down');
  });
});
