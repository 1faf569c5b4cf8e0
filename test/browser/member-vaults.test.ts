/**
 * The whole member path with the key chain's proof, over HTTP with real SMTP and a real
 * browser (Debian Chromium through playwright-core): the IdP creates a person and puts them
 * in a group → the invitation arrives at the SMTP server → the page in Chromium signs them up
 * (pending) → the bridge's watcher confirms them → the "ready" mail arrives → signed in, the
 * vaults page opens, with their password in the browser, exactly the vaults of their groups
 * → the IdP removes them from the group and that vault no longer opens → the IdP
 * deactivates them and they are suspended.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createVault } from '../../src/account/vaults.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { launchChromium } from '../support/chromium.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { GROUP_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const PASSWORD = 'Lanterns over the harbour, 7 gulls';

let sys: TestSystem;
let browser: Browser;
let sink: SmtpSink;

before(async () => {
  sink = await startSmtpSink();
  sys = await startTestSystem({
    env: {
      SCIMBRIDGE_PASSWORD_ITERATIONS: '1000',
      SCIMBRIDGE_SMTP_URL: sink.url,
      SCIMBRIDGE_SMTP_REQUIRE_TLS: 'false',
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await sys?.close();
  await sink?.close();
});

/** The first link to the account server in a received mail's text, pointed at the test's server. */
function linkIn(text: string): string {
  const match = /https?:\/\/[^\s)>"]+/.exec(text);
  assert.ok(match, 'the mail holds a link');
  return `${sys.system.accountAddress}${new URL(match[0]).pathname}`;
}

async function openVaultsPage(page: Page, password: string): Promise<void> {
  await page.goto(`${sys.system.accountAddress}/member/vaults`);
  await page.fill('#password', password);
  await page.click('#vaults-form button[type=submit]');
}

async function listedVaults(page: Page): Promise<string[]> {
  await page.locator('#vaults-result').waitFor({ state: 'visible' });
  return (await page.locator('#vaults-list li').allTextContents()).sort();
}

describe('the member vaults page in Chromium', () => {
  test('opens exactly the vaults of the member’s groups, and loses one when the IdP removes them', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'mira@example.com',
      displayName: 'Mira Sol',
      emails: [{ value: 'mira@example.com', primary: true, type: 'work' }],
    });
    assert.equal(created.status, 201, created.text);
    const memberId = created.body.id as string;
    const finance = await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Finance',
      members: [{ value: memberId }],
    });
    await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Legal' });

    // The invitation arrives over SMTP; its link opens the sign-up page in Chromium.
    await sink.waitFor(1, 20_000);
    const invitation = sink.received.find((mail) => mail.envelopeTo.includes('mira@example.com'))!;
    assert.ok(invitation, 'the invitation reached the SMTP server');
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.url()} ${request.postData() ?? ''}`));
    await page.goto(linkIn(invitation.text));
    await page.fill('#password', PASSWORD);
    await page.fill('#password-confirm', PASSWORD);
    await page.click('#signup-form button[type=submit]');
    await page.locator('#done').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal((await sys.store.getMember(memberId))?.state, 'pending');

    // The bridge's watcher confirms; the "ready" mail goes out over SMTP.
    assert.equal((await sys.system.watcher.runNow()).confirmed, 1);
    assert.equal((await sys.store.getMember(memberId))?.state, 'active');
    await sink.waitFor(2, 20_000);
    const ready = sink.received.find((mail) => /is ready/.test(mail.subject));
    assert.ok(ready, 'the "account ready" mail reached the SMTP server');
    assert.deepEqual(ready.envelopeTo, ['mira@example.com']);
    const deps = { store: sys.store, clock: systemClock, ids: randomIds };
    await createVault(deps, { name: 'Ledger', groups: ['Finance'] });
    await createVault(deps, { name: 'Contracts', groups: ['Legal'] });
    await createVault(deps, { name: 'Handbook', groups: ['Team Members'] });

    await page.goto(`${sys.system.accountAddress}/signin`);
    await page.fill('#email', 'mira@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('#signin-form button[type=submit]');
    await page.waitForURL('**/member');
    await page.click('a[href="/member/vaults"]');
    await page.waitForURL('**/member/vaults');

    // A wrong password opens nothing and says so.
    await page.fill('#password', 'not my password at all');
    await page.click('#vaults-form button[type=submit]');
    await page.locator('#problem').waitFor({ state: 'visible' });
    assert.match((await page.locator('#problem').textContent()) ?? '', /does not open your keys/);
    assert.equal(await page.locator('#vaults-result').isVisible(), false);

    await page.fill('#password', PASSWORD);
    await page.click('#vaults-form button[type=submit]');
    assert.deepEqual(await listedVaults(page), [
      'Handbook — through Team Members',
      'Ledger — through Finance',
    ]);

    const removed = await sys.scim(
      'PATCH',
      `/Groups/${finance.body.id}`,
      patch({ op: 'remove', path: 'members', value: [{ value: memberId }] }),
    );
    assert.equal(removed.status, 204, removed.text);
    await openVaultsPage(page, PASSWORD);
    assert.deepEqual(await listedVaults(page), ['Handbook — through Team Members']);

    // The IdP deactivates them: suspended, and the member pages no longer open for them.
    const deactivated = await sys.scim(
      'PATCH',
      `/Users/${memberId}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    assert.equal(deactivated.status, 200, deactivated.text);
    assert.equal((await sys.store.getMember(memberId))?.state, 'suspended');
    await page.goto(`${sys.system.accountAddress}/member/vaults`);
    assert.match(page.url(), /\/signin$/);

    assert.deepEqual(pageErrors, []);
    assert.ok(!requests.some((line) => line.includes(PASSWORD)), 'the password never leaves the browser');
    await context.close();
  });

  test('without signing in, the page sends the browser to sign in and the key ring is 401', async () => {
    const page = await browser.newPage();
    await page.goto(`${sys.system.accountAddress}/member/vaults`);
    assert.match(page.url(), /\/signin$/);
    await page.close();
    const ring = await fetch(`${sys.system.accountAddress}/member/key-ring`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(ring.status, 401);
  });
});
