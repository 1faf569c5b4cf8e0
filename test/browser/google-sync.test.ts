// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The Google Workspace sync on the bridge's status page in real Chromium (P21): choosing the
 * administrator and groups after token sign-in, the preview with counts and names (Google's
 * text escaped), turning the sync on by typing the suspension count, and the run's summary.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeMember } from '../../src/storage/contract.ts';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, screenshot } from '../support/console.ts';
import { FakeGoogle, makeServiceAccount } from '../support/fake-google.ts';
import { seedGoogle } from '../support/google-sync-harness.ts';
import { needsChromium } from '../support/requirements.ts';
import { signIn } from '../support/status-page.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

describe('Google Workspace sync on the status page', needsChromium, () => {
  let sys: TestSystem;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const google = new FakeGoogle();
  const section = () => page.locator('section[aria-labelledby="google"]').innerText();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-google-page-'));
    await google.start();
    const account = makeServiceAccount();
    google.register(account);
    seedGoogle(google, 4);
    const first = google.users.get('100000000001');
    if (first) first.givenName = '<b>Ada</b>';
    const keyFile = path.join(dir, 'key.json');
    await writeFile(keyFile, account.keyFile);
    sys = await startTestSystem({
      accountTransport: 'in-process',
      env: {
        SCIMBRIDGE_GOOGLE_KEY_FILE: keyFile,
        SCIMBRIDGE_GOOGLE_API_URL: google.address,
        SCIMBRIDGE_GOOGLE_TOKEN_URL: google.tokenUrl,
      },
    });
    await sys.store.insertMember(
      makeMember('local-1', { email: 'leaver@acme.test', managed: false, state: 'invited' }),
    );
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 820, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
    await google.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('settings, preview with counts then names, turning on by the suspension count, the run summary', async () => {
    await page.goto(sys.system.bridgeAddress);
    await signIn(page, sys.token);
    assert.match(await section(), /Not set up/);
    await page.fill('#google-admin', 'it-admin@acme.test');
    await page.fill('#google-groups', 'staff@acme.test');
    await page.click('form[action="/google/settings"] button');
    assert.match(await section(), /Saved\. Make a preview/);
    await page.click('form[action="/google/preview"] button');
    const previewed = await section();
    assert.match(previewed, /Invited\s+4/);
    assert.match(previewed, /Suspended\s+1/);
    await page.click('summary:has-text("Suspended: 1")');
    assert.match(await section(), /leaver@acme\.test .* not in a synced group/);
    await page.click('summary:has-text("Invited: 4")');
    assert.match(await section(), /<b>Ada<\/b> Family1/, "Google's text is shown as text");
    assert.equal(await page.locator('section[aria-labelledby="google"] b').count(), 0);
    await assertAccessible(page, 'the status page with a Google preview');
    await screenshot(page, dir, 'status-google-preview');

    await page.fill('#google-confirm', '0');
    await page.click('form[action="/google/approve"] button');
    assert.match(await section(), /the preview now suspends 1 member\(s\), not 0/);
    await page.fill('#google-confirm', '1');
    await page.click('form[action="/google/approve"] button');
    let text = '';
    for (let tries = 0; tries < 200; tries++) {
      await page.goto(`${sys.system.bridgeAddress}/`);
      text = await section();
      if (/Last run .*applied/.test(text)) break;
      await page.waitForTimeout(100);
    }
    assert.match(text, /Last run .*applied — 4 invited, 0 matched, 0 updated, 1 suspended/);
    assert.match(text, /^On$/m);
    await assertAccessible(page, 'the status page after a Google run');
    await screenshot(page, dir, 'status-google-on');
    const metrics = await fetch(`${sys.system.bridgeAddress}/metrics`, {
      headers: { authorization: `Bearer ${sys.token}` },
    });
    const body = await metrics.text();
    assert.match(body, /scimbridge_google_sync_runs_total\{outcome="applied"\} 1/);
    assert.match(body, /scimbridge_google_sync_changes_total\{change="invite"\} 4/);
  });
});
