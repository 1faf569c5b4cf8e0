// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The bridge's status page (P6) in real Chromium: sign in with the bearer token, each state
 * of the parts, the log download, sign-out. Screenshots go to a temporary folder; with
 * SCIMBRIDGE_UPDATE_SCREENSHOTS=1 they replace the ones in docs/screenshots/ that the
 * README shows.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AccountClient } from '../../src/account/client.ts';
import { deactivateProvisioning } from '../../src/account/deactivate-provisioning.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import type { WatcherStatus } from '../../src/bridge/watcher-status.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { launchChromium } from '../support/chromium.ts';
import { closedPort } from '../support/smtp-sink.ts';
import { partText, signIn } from '../support/status-page.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const UPDATE = process.env.SCIMBRIDGE_UPDATE_SCREENSHOTS === '1';
const DOCS_DIR = path.resolve(import.meta.dirname, '../../docs/screenshots');

/** WCAG 2 contrast of each text element against the first opaque background behind it. */
const CONTRAST_SCRIPT = `(() => {
  const luminance = (color) => {
    const [r, g, b] = (color.match(/\\d+(\\.\\d+)?/g) || []).slice(0, 3).map((part) => {
      const c = Number(part) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') return color;
    }
    return 'rgb(255, 255, 255)';
  };
  return Array.from(document.querySelectorAll('h1, h2, p, td, th, a, button, code')).map((element) => {
    const fore = luminance(getComputedStyle(element).color);
    const back = luminance(background(element));
    return { text: (element.textContent || '').slice(0, 40), ratio: (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05) };
  });
})()`;

describe('status page in Chromium', () => {
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shotsDir: string;
  /** How the account "answers" the bridge: normally, not at all, or with a firewall refusal. */
  let accountMode: 'ok' | 'down' | 'firewall' = 'ok';
  let deadUrl: string;
  const watcher: WatcherStatus = {
    state: 'idle',
    intervalSeconds: 300,
    lastRunAt: '2026-11-30T09:55:00.000Z',
    lastRunError: null,
    nextRunAt: '2026-11-30T10:00:00.000Z',
    runsTotal: 12,
    confirmedTotal: 4,
    failures: [],
  };
  const deps = () => ({ store: sys.store, clock: systemClock, ids: randomIds });

  /** The whole page, or (to keep the committed PNGs small) the first screen of it. */
  const shot = async (name: string, fullPage = false) => {
    await page.screenshot({ path: path.join(UPDATE ? DOCS_DIR : shotsDir, `${name}.png`), fullPage });
  };

  before(async () => {
    shotsDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-shots-'));
    // A closed port on loopback: connecting to it fails with a real ECONNREFUSED.
    deadUrl = `http://127.0.0.1:${await closedPort()}`;
    sys = await startTestSystem({
      // The page's states over the account API are covered by test/e2e/health-metrics.test.ts
      // (run with SCIMBRIDGE_TEST_TRANSPORT=http); here the states are switched in process.
      accountTransport: 'in-process',
      watcher: { watcherStatus: () => watcher },
      // While `accountDown`, every account call first goes to a closed port, as a separate
      // bridge's would when the account server is down: the error is a real ECONNREFUSED.
      wrapAccountClient: (client: AccountClient) =>
        new Proxy(client, {
          get(target, property, receiver) {
            const original = Reflect.get(target, property, receiver);
            if (typeof original !== 'function') return original;
            return async (...args: unknown[]) => {
              if (accountMode === 'down') await fetch(`${deadUrl}/api/v1/provisioning`);
              if (accountMode === 'firewall') {
                // The shape the account client throws when a firewall rule refuses the bridge (P4).
                throw Object.assign(new Error('refused by a firewall rule'), {
                  code: 'firewall_blocked',
                  address: '203.0.113.7',
                  rule: 'deny 203.0.113.0/24',
                });
              }
              return original.apply(target, args);
            };
          },
        }),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 820, height: 760 }, acceptDownloads: true });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
    await rm(shotsDir, { recursive: true, force: true });
  });

  test('the page asks for the bearer token, with a labelled field, and refuses a wrong one', async () => {
    const response = await page.goto(sys.system.bridgeAddress);
    assert.equal(response?.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'scimbridge bridge');
    const field = page.getByLabel('Bearer token');
    assert.equal(await field.getAttribute('type'), 'password');
    await shot('status-sign-in');

    await field.fill('sbt_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByRole('alert').innerText(), /does not open this bridge's session file/);
    assert.equal(await page.getByLabel('Bearer token').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await context.cookies(), []);
  });

  test('signing in sets an HttpOnly, SameSite=Strict session cookie that is not the token', async () => {
    // An IdP was here before anyone signed in: its requests show per IdP.
    await sys.scim('GET', '/Users?count=1', undefined, { 'user-agent': 'Okta SCIM Client 1.0.0' });
    await sys.scim(
      'POST',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'ada@example.com' },
      { adscimversion: '1.0' },
    );
    await sys.scim('GET', '/Users/no-such-id', undefined, { adscimversion: '1.0' });

    await page.getByLabel('Bearer token').fill(sys.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('h1:has-text("scimbridge bridge status")');
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    const cookie = cookies[0]!;
    sys.secrets.add(cookie.value);
    assert.equal(cookie.name, 'scimbridge_status');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.match(cookie.value, /^sbs_[A-Za-z0-9_-]{43}$/);
    assert.ok(!cookie.value.includes(sys.token.slice(4)));
  });

  test('a healthy bridge: every part is spelled out in words, with what was checked and when', async () => {
    assert.match(await partText(page, 'account'), /OK: Connected/);
    assert.match(await partText(page, 'provisioning'), /OK: On/);
    assert.match(await partText(page, 'credentials'), /OK: Valid/);
    const watcherText = await partText(page, 'watcher');
    assert.match(watcherText, /OK: Idle between runs/);
    assert.match(watcherText, /Next run\s+2026-11-30 10:00:00 UTC/);
    assert.match(watcherText, /Members confirmed since start\s+4/);
    const requests = await partText(page, 'requests');
    assert.match(requests, /Okta/);
    assert.match(requests, /OK: Answered/);
    assert.match(requests, /Entra ID/);
    assert.match(requests, /404 users\.get/, 'the last refused request, with its status');
    assert.match(await partText(page, 'version'), /0\.1\.0/);
    assert.match(await partText(page, 'replicas'), /OK: This bridge alone/);
    assert.equal(await page.locator('h2').count(), 8);
    assert.match(await page.getByRole('status').innerText(), /some parts need attention|Everything is OK/);
    await shot('status-ok', true);
  });

  test('the watcher reports members it could not confirm, with the reason', async () => {
    watcher.failures = [
      {
        memberId: 'm-1',
        email: 'grace@example.com',
        reason: 'has no public key: ask them to sign up again',
        at: '2026-11-30T09:55:00.000Z',
      },
    ];
    await page.reload();
    const text = await partText(page, 'watcher');
    assert.match(text, /Attention: 1 not confirmed/);
    assert.match(text, /grace@example\.com\s+has no public key: ask them to sign up again/);
    watcher.failures = [];
  });

  test('provisioning off: the session ends, and the sign-in page says why and how to turn it on', async () => {
    await deactivateProvisioning(deps());
    await page.reload();
    // The old token no longer opens the page (issue 12); the monitor's /health shows "Off".
    assert.match(await page.getByRole('alert').innerText(), /Provisioning is turned off in the account/);
    assert.match(await page.getByRole('alert').innerText(), /scimbridge provisioning setup/);
    assert.deepEqual(await context.cookies(), []);
    await shot('status-provisioning-off');
    await signIn(page, sys.token);
    assert.match(await page.getByRole('alert').innerText(), /Provisioning is turned off in the account/);
  });

  test('revoked credentials: the session ends and the old token no longer signs in', async () => {
    sys.token = await sys.regenerate();
    await page.goto(sys.system.bridgeAddress);
    await signIn(page, sys.token);
    assert.match(await partText(page, 'credentials'), /OK: Valid/);
    const old = sys.token;
    // Credentials regenerated elsewhere; this bridge still has the old session file.
    const fresh = await setupProvisioning(deps(), { accountUrl: 'http://localhost' });
    sys.secrets.add(fresh.token);
    sys.secrets.add(fresh.sessionFile.blob);
    await page.reload();
    assert.match(await page.getByRole('alert').innerText(), /These credentials were revoked/);
    await signIn(page, old);
    assert.match(await page.getByRole('alert').innerText(), /These credentials were revoked/);
  });

  test('account unreachable: named as such, with the cause and what to check', async () => {
    sys.token = await sys.regenerate();
    await page.goto(sys.system.bridgeAddress);
    await signIn(page, sys.token);
    accountMode = 'down';
    try {
      await page.reload();
      const text = await partText(page, 'account');
      assert.match(text, /Problem: Unreachable/);
      assert.match(text, /ECONNREFUSED/);
      assert.match(text, /Check that the account server is running/);
      assert.match(await partText(page, 'provisioning'), /Unknown: Not checked/);
      await shot('status-account-unreachable');
      assert.ok(sys.logLines.some((line) => JSON.parse(line).msg === 'the account server is unreachable'));
    } finally {
      accountMode = 'ok';
    }
    await page.reload();
    assert.match(await partText(page, 'account'), /OK: Connected/);
    assert.ok(sys.logLines.some((line) => JSON.parse(line).msg === 'the account answers normally again'));
  });

  test('a firewall block names the address and the rule to change', async () => {
    accountMode = 'firewall';
    try {
      await page.reload();
      const text = await partText(page, 'account');
      assert.match(text, /Problem: Blocked by firewall/);
      assert.match(text, /203\.0\.113\.7 \(rule: deny 203\.0\.113\.0\/24\)/);
      assert.ok(
        sys.logLines.some((line) => {
          const entry = JSON.parse(line);
          return entry.msg === "the account's firewall blocked the bridge" && entry.address === '203.0.113.7';
        }),
      );
    } finally {
      accountMode = 'ok';
    }
  });

  test('text meets WCAG AA contrast (4.5:1) against its background', async () => {
    await page.reload();
    // A string, not a function: the test runner's compiler would add helpers the page lacks.
    const ratios: Array<{ text: string; ratio: number }> = await page.evaluate(CONTRAST_SCRIPT);
    assert.ok(ratios.length > 20);
    for (const { text, ratio } of ratios)
      assert.ok(ratio >= 4.5, `"${text}" has contrast ${ratio.toFixed(2)}`);
  });

  test('the log download is NDJSON of recent lines, without the token', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download recent logs (NDJSON)' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^scimbridge-bridge-.*\.ndjson$/);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trim().split('\n');
    assert.ok(lines.length >= 3);
    const entries = lines.map((line) => JSON.parse(line));
    assert.ok(entries.some((entry) => entry.msg === 'scim request' && entry.idp === 'okta'));
    assert.ok(entries.some((entry) => entry.msg === 'status page sign-in'));
    for (const secret of sys.secrets) assert.ok(!text.includes(secret), 'the download holds a secret');
  });

  test('sign-out ends the session: the cookie goes, and the old cookie no longer opens the page', async () => {
    const cookie = (await context.cookies())[0]!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForSelector('label:has-text("Bearer token")');
    assert.deepEqual(await context.cookies(), []);
    const replay = await fetch(sys.system.bridgeAddress, {
      headers: { cookie: `scimbridge_status=${cookie.value}` },
    });
    assert.match(await replay.text(), /Sign in/);
    const logs = await fetch(`${sys.system.bridgeAddress}/logs`, {
      headers: { cookie: `scimbridge_status=${cookie.value}` },
    });
    assert.equal(logs.status, 401);
  });
});
