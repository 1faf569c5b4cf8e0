/**
 * The key chain's proof in a real browser (Debian Chromium through playwright-core): the IdP
 * creates a person and puts them in a group → they sign up from the invitation link → the
 * bridge's watcher confirms them → signed in, the vaults page opens, with their password in
 * the browser, exactly the vaults of their groups → the IdP removes them from the group and
 * that vault no longer opens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createVault } from '../../src/account/vaults.ts';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { GROUP_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const PASSWORD = 'Lanterns over the harbour, 7 gulls';

let sys: TestSystem;
let browser: Browser;

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

after(async () => {
  await browser?.close();
  await sys?.close();
});

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

    const invitation = (await sys.store.listMail({ limit: 50 })).find(
      (mail) => mail.template === 'invitation' && mail.to === 'mira@example.com',
    );
    assert.ok(invitation);
    const link = `${sys.system.accountAddress}${new URL(String(invitation.data.link)).pathname}`;
    await runMemberSignup({ link, password: PASSWORD });
    assert.equal((await sys.store.getMember(memberId))?.state, 'pending');

    assert.equal((await sys.system.watcher.runNow()).confirmed, 1);
    assert.equal((await sys.store.getMember(memberId))?.state, 'active');
    const deps = { store: sys.store, clock: systemClock, ids: randomIds };
    await createVault(deps, { name: 'Ledger', groups: ['Finance'] });
    await createVault(deps, { name: 'Contracts', groups: ['Legal'] });
    await createVault(deps, { name: 'Handbook', groups: ['Team Members'] });

    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.url()} ${request.postData() ?? ''}`));

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
