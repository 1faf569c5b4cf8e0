// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The status page's per-IdP health in real Chromium (issue 14): each of the five IdPs named,
 * its last request and last error answer, its last day by outcome, and the warning when
 * Entra ID has been silent for longer than its cycle — with the system's clock moved on by
 * the test, not waited for. Also /health and /metrics, which carry the same, labelled by IdP.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import type { Clock } from '../../src/clock.ts';
import { randomIds } from '../../src/clock.ts';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, screenshot } from '../support/console.ts';
import { partText, signIn } from '../support/status-page.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

/** The machine's time plus however far the test has moved it on. */
class MovedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const CLIENTS = {
  entra: { adscimversion: '2.0', 'user-agent': 'Microsoft.Identity.Provisioning' },
  okta: { 'user-agent': 'Okta SCIM Client 1.0.0' },
  jumpcloud: { 'user-agent': 'JumpCloud SCIM Client' },
  onelogin: { 'user-agent': 'OneLogin SCIM Provisioner', accept: 'application/json' },
  rippling: { 'user-agent': 'Rippling SCIM' },
};

describe('per-IdP health on the status page', () => {
  let sys: TestSystem;
  let browser: Browser;
  let page: Page;
  let shotsDir: string;
  let monitoringToken: string;
  const clock = new MovedClock();
  const call = (idp: keyof typeof CLIENTS, pathAndQuery: string, token?: string) =>
    sys.scim('GET', pathAndQuery, undefined, {
      ...CLIENTS[idp],
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    });
  const idpText = (idp: string) => page.locator(`section[aria-labelledby="idp-${idp}"]`).innerText();

  before(async () => {
    shotsDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-idp-shots-'));
    sys = await startTestSystem({ clock, accountTransport: 'in-process' });
    monitoringToken = (await createMonitoringToken({ store: sys.store, clock, ids: randomIds }, 'test'))
      .token;
    sys.secrets.add(monitoringToken);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 820, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
    await rm(shotsDir, { recursive: true, force: true });
  });

  test('each of the five IdPs is named, with its last request, last error answer and last day by outcome', async () => {
    assert.equal((await call('okta', '/Users?count=1', 'sbt_not-the-right-token')).status, 401);
    for (let i = 0; i < 3; i++) assert.equal((await call('okta', '/Users?count=1')).status, 200);
    assert.equal((await call('entra', `/Users?filter=${encodeURIComponent('userName eq "x"')}`)).status, 200);
    assert.equal((await call('jumpcloud', '/Users/no-such-id')).status, 404);
    assert.equal((await call('jumpcloud', '/Groups?count=1')).status, 200);
    assert.equal((await call('onelogin', '/Users?count=1')).status, 200);
    assert.equal((await call('rippling', '/ServiceProviderConfig')).status, 200);

    await page.goto(sys.system.bridgeAddress);
    await signIn(page, sys.token);
    const part = await partText(page, 'requests');
    assert.match(part, /IdP health/);
    assert.match(part, /OK: Answered/);
    for (const name of ['Entra ID', 'Okta', 'JumpCloud', 'OneLogin', 'Rippling'])
      assert.match(part, new RegExp(`^${name}$`, 'm'), name);

    const okta = await idpText('okta');
    assert.match(okta, /Last 24 hours\s+3 answered · 1 refused for a wrong token \(401\)/);
    assert.match(okta, /Last error answer\s+401 users\.list at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    assert.match(okta, /Usual cycle\s+sends changes as they happen/);
    const jumpcloud = await idpText('jumpcloud');
    assert.match(jumpcloud, /Last request\s+.*groups\.list answered 200/);
    assert.match(jumpcloud, /Last 24 hours\s+1 answered · 1 other error answers \(4xx\)/);
    assert.match(await idpText('entra'), /Usual cycle\s+about every 40 min/);
    assert.match(await idpText('rippling'), /Last request\s+.*discovery answered 200/);
    assert.match(await idpText('onelogin'), /Last 24 hours\s+1 answered/);

    await assertAccessible(page, 'the status page with five IdPs');
    await screenshot(page, shotsDir, 'status-idp-health');
  });

  test('Entra ID silent for longer than its 40-minute cycle: a warning on the page, in /health and /metrics', async () => {
    clock.offsetMs += 41 * 60_000;
    // The others call on: only Entra has gone quiet.
    for (const idp of ['okta', 'jumpcloud', 'onelogin', 'rippling'] as const)
      assert.equal((await call(idp, '/Users?count=1')).status, 200);
    await page.reload();
    if ((await page.getByLabel('Bearer token').count()) > 0) await signIn(page, sys.token);
    const part = await partText(page, 'requests');
    assert.match(part, /Attention: Silent/);
    assert.match(
      part,
      /Entra ID has sent nothing to this bridge for 41 min, longer than its usual cycle of 40 min\./,
    );
    assert.match(part, /What to do: If people or groups changed in the IdP since/);
    assert.match(await idpText('entra'), /Attention: Entra ID has sent nothing to this bridge for 41 min/);
    assert.doesNotMatch(await idpText('okta'), /Attention/);
    const first = page.locator('section[aria-labelledby="requests"] h3').first();
    assert.equal(await first.innerText(), 'Entra ID', 'the silent IdP comes first');
    await assertAccessible(page, 'the status page with a silent IdP');
    const file = await screenshot(page, shotsDir, 'status-idp-silent');
    assert.ok(file.endsWith('.png'));

    const health = await (
      await fetch(`${sys.system.bridgeAddress}/health`, {
        headers: { authorization: `Bearer ${monitoringToken}` },
      })
    ).json();
    assert.equal(health.parts.requests.label, 'Silent');
    const entra = health.parts.requests.idps.find((idp: { idp: string }) => idp.idp === 'entra');
    assert.deepEqual(entra.activity, {
      lastDay: { answered: 1, unauthorized: 0, client_error: 0, server_error: 0 },
      cycleMinutes: 40,
      silentMinutes: 41,
      overdue: true,
    });
    const metrics = await (
      await fetch(`${sys.system.bridgeAddress}/metrics`, {
        headers: { authorization: `Bearer ${monitoringToken}` },
      })
    ).text();
    assert.match(metrics, /^scimbridge_idp_silent\{idp="entra"\} 1$/m);
    assert.match(metrics, /^scimbridge_idp_silent\{idp="okta"\} 0$/m);
    for (const idp of ['entra', 'okta', 'jumpcloud', 'onelogin', 'rippling'])
      assert.match(
        metrics,
        new RegExp(`^scimbridge_idp_requests_total\\{idp="${idp}",outcome="answered"\\} \\d+$`, 'm'),
      );
    assert.match(metrics, /^scimbridge_idp_requests_total\{idp="okta",outcome="unauthorized"\} 1$/m);
  });

  test('a new request from Entra ID ends the warning', async () => {
    assert.equal((await call('entra', '/Groups?excludedAttributes=members&count=1')).status, 200);
    await page.reload();
    if ((await page.getByLabel('Bearer token').count()) > 0) await signIn(page, sys.token);
    assert.match(await partText(page, 'requests'), /OK: Answered/);
    assert.doesNotMatch(await idpText('entra'), /Attention/);
  });
});
