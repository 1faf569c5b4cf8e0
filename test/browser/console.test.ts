// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The admin console in real Chromium (issue 11): the owner's setup link from the first
 * start → the setup page makes the owner's keys in the browser → sign-in to the console →
 * sign-out; and the refusals: a wrong password, a member who is not an administrator, a
 * form without its CSRF token, and the lockout after repeated failures. Every page passes
 * axe-core and is photographed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { unlockMemberPrivateKey } from '../../src/crypto/member-keys.ts';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, consoleSignIn, localLink, screenshot } from '../support/console.ts';
import { HoldableClock } from '../support/fake-clock.ts';
import { openSetupSession } from '../support/session.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const OWNER_EMAIL = 'owner@example.com';
const OWNER_PASSWORD = 'Lanterns over the harbour, 7 gulls';
const MEMBER_PASSWORD = 'a member password that is long';

let sys: TestSystem;
const clock = new HoldableClock();
let browser: Browser;
let shots: string;

before(async () => {
  sys = await startTestSystem({
    env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000', SCIMBRIDGE_ACCOUNT_NAME: 'Harbour & <Co>' },
    clock,
  });
  browser = await launchChromium();
  shots = await mkdtemp(path.join(tmpdir(), 'scimbridge-console-shots-'));
});

after(async () => {
  await browser?.close();
  await sys?.close();
  if (shots) await rm(shots, { recursive: true, force: true });
});

/** A page that fails the test on any script error or unexpected console error. */
async function openPage(
  context: BrowserContext,
  allowed: RegExp = /status of (401|403|410|429)/,
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !allowed.test(message.text())) errors.push(message.text());
  });
  return { page, errors };
}

describe('the admin console in Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  before(async () => {
    context = await browser.newContext();
    ({ page, errors } = await openPage(context));
  });
  after(() => context?.close());

  test('the first start printed a setup link; the owner sets a name and password, keys made in the browser', async () => {
    assert.ok(sys.system.ownerSetupLink, 'the first start made a setup link');
    await page.goto(localLink(sys.system.ownerSetupLink, sys.system.accountAddress));
    assert.equal(await page.locator('h1').innerText(), 'Set up Harbour & <Co>');
    assert.match(await page.locator('main').innerText(), /owner@example\.com/);
    await assertAccessible(page, 'the owner setup page');
    await screenshot(page, shots, 'console-owner-setup');

    // No name: refused beside the form, nothing sent.
    await page.getByLabel('Password', { exact: true }).fill(OWNER_PASSWORD);
    await page.getByLabel('Password again').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Set up my account' }).click();
    assert.equal(await page.locator('#problem').innerText(), 'Enter your name.');

    await page.getByLabel('Your name').fill('Ada <Owner>');
    await page.getByRole('button', { name: 'Set up my account' }).click();
    await page.waitForSelector('#done:not([hidden])');
    const owner = (await sys.store.findMemberByEmail(OWNER_EMAIL))!;
    assert.equal(owner.displayName, 'Ada <Owner>');
    assert.equal(owner.state, 'pending');
    const keys = (await sys.store.getMemberKeys(owner.id))!;
    await unlockMemberPrivateKey(keys, OWNER_PASSWORD); // opens with the password

    // The link works once.
    const again = await page.goto(localLink(sys.system.ownerSetupLink, sys.system.accountAddress));
    assert.equal(again?.status(), 410);
    assert.equal(await page.locator('h1').innerText(), 'This link has been used');
  });

  test('visitors see only the sign-in page; a wrong password is refused', async () => {
    const response = await page.goto(`${sys.system.accountAddress}/`);
    const csp = response!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(await page.locator('h1').innerText(), 'Sign in to the console');
    assert.equal(await page.locator('nav').count(), 0, 'no console navigation before sign-in');
    await assertAccessible(page, 'the console sign-in page');
    await screenshot(page, shots, 'console-sign-in');

    await consoleSignIn(page, OWNER_EMAIL, 'not the password at all');
    assert.equal(
      await page.locator('#problem').innerText(),
      'The e-mail address or the password is not right.',
    );
    assert.equal((await context.cookies()).length, 0);
  });

  test('the owner signs in: an HttpOnly, SameSite=Strict session cookie, the overview with their name', async () => {
    await page.goto(`${sys.system.accountAddress}/`);
    await consoleSignIn(page, OWNER_EMAIL, OWNER_PASSWORD);
    assert.equal(await page.locator('h1').innerText(), 'Overview');
    assert.match(await page.locator('header').innerText(), /Ada <Owner>/);
    assert.match(await page.locator('header').innerText(), /Harbour & <Co>/);
    const [cookie] = await context.cookies();
    assert.equal(cookie?.name, 'scimbridge_console');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.match(
      await page.locator('main').innerText(),
      /SCIM base URL for your IdP\s+https:\/\/bridge\.test\/scim\/v2/,
    );
    assert.match(await page.locator('main').innerText(), /Provision watcher/);
    await assertAccessible(page, 'the overview');
    await screenshot(page, shots, 'console-overview');
    assert.deepEqual(errors, []);
  });

  test('Provisioning: regenerate on the page; the token is shown once, the session file downloads; the old token fails, the new one works', async () => {
    await page.getByRole('link', { name: 'Provisioning' }).click();
    await page.waitForSelector('h1:has-text("Provisioning")');
    assert.match(await page.locator('#state-heading').innerText(), /Provisioning is on/);
    await assertAccessible(page, 'the provisioning page');
    await screenshot(page, shots, 'console-provisioning');

    const oldToken = sys.token;
    await page.getByRole('button', { name: 'Regenerate credentials' }).click();
    await page.waitForSelector('h1:has-text("New credentials")');
    const token = await page.getByLabel('Bearer token (for your IdP)').inputValue();
    sys.secrets.add(token);
    assert.match(token, /^sbt_/);
    assert.match(await page.locator('main').innerText(), /Shown only this once/);
    await assertAccessible(page, 'the new credentials page');
    // The picture shows a stand-in, not the run's token.
    await page.evaluate(() => {
      (document.getElementById('token') as HTMLInputElement).value = 'sbt_(the token appears here once)';
    });
    await screenshot(page, shots, 'console-credentials');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the session file' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'scimsession');
    const sessionFile = JSON.parse(await readFile((await download.path())!, 'utf8'));
    sys.secrets.add(sessionFile.blob);
    await openSetupSession({ token, sessionFile }); // the pair opens together

    // The bridge in this process picked up the new session file: old token out, new one in.
    const usersWith = (bearer: string) =>
      fetch(`${sys.scimUrl}/Users`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
    const deadline = Date.now() + 10_000;
    while ((await usersWith(token)) !== 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(await usersWith(token), 200);
    assert.equal(await usersWith(oldToken), 401);
    sys.token = token;

    // A reload shows no secret again.
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    assert.doesNotMatch(await page.content(), new RegExp(token));
  });

  test('Provisioning: a bad domain is refused beside the field and nothing is saved; a good list is saved', async () => {
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    await page.getByLabel('Domains', { exact: true }).fill('example.com, not a domain');
    await page.getByRole('button', { name: 'Save domains' }).click();
    await page.waitForSelector('#domains-error');
    assert.match(await page.locator('#domains-error').innerText(), /"not" is not a domain name/);
    assert.equal(await page.getByLabel('Domains', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(
      await page.getByLabel('Domains', { exact: true }).inputValue(),
      'example.com, not a domain',
      'what was typed stays',
    );
    assert.deepEqual((await sys.store.getAccount())!.allowedDomains, []);
    await assertAccessible(page, 'the provisioning page with a field error');

    await page.getByLabel('Domains', { exact: true }).fill('Example.com');
    await page.getByRole('button', { name: 'Save domains' }).click();
    await page.waitForSelector('text=Allowed sign-up domains: example.com.');
    assert.deepEqual((await sys.store.getAccount())!.allowedDomains, ['example.com']);
  });

  test('Provisioning: firewall rules with the error beside the field, and a monitoring token shown once', async () => {
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    await page.getByLabel('Address or range').fill('203.0.113.0/33');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForSelector('#fw-error');
    assert.equal(await page.getByLabel('Address or range').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await sys.store.listFirewallRules(), []);
    await page.getByLabel('Address or range').fill('203.0.113.0/24');
    await page.getByLabel('Action').selectOption('deny');
    await page.getByLabel('Note (optional)').fill('a <lab> network');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForSelector('text=Firewall rule added: deny 203.0.113.0/24.');
    assert.match(
      await page.locator('section[aria-labelledby="firewall-heading"] tbody').innerText(),
      /deny 203\.0\.113\.0\/24\s+a <lab> network/,
    );
    await page.getByRole('button', { name: 'Remove the rule deny 203.0.113.0/24' }).click();
    await page.waitForSelector('text=Firewall rule removed.');
    assert.deepEqual(await sys.store.listFirewallRules(), []);

    await page.getByLabel('Label').fill('prometheus');
    await page.getByRole('button', { name: 'Make a monitoring token' }).click();
    const token = await page.getByLabel('New monitoring token').inputValue();
    sys.secrets.add(token);
    assert.match(token, /^sbm_/);
    const metrics = await fetch(`${sys.system.accountAddress}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(metrics.status, 200);
    await assertAccessible(page, 'the provisioning page with a new monitoring token');
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    assert.doesNotMatch(await page.content(), new RegExp(token), 'shown once');
    await page.getByRole('button', { name: 'Revoke the monitoring token prometheus' }).click();
    await page.waitForSelector('text=Monitoring token revoked');
    assert.deepEqual(await sys.store.listMonitoringTokens(), []);

    await page.getByLabel('Notification recipients').fill('ops@example.com, not-an-address');
    await page.getByRole('button', { name: 'Save recipients' }).click();
    await page.waitForSelector('#recipients-error');
    assert.match(
      await page.locator('#recipients-error').innerText(),
      /"not-an-address" is not an e-mail address/,
    );
    assert.deepEqual(await sys.store.listNotificationRecipients(), []);
    await page.getByLabel('Notification recipients').fill('ops@example.com');
    await page.getByRole('button', { name: 'Save recipients' }).click();
    await page.waitForSelector('text=Notices go to ops@example.com.');
    assert.deepEqual(await sys.store.listNotificationRecipients(), ['ops@example.com']);
  });

  test('Provisioning: health monitoring off, then on again; the page and Activity say so', async () => {
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    assert.equal(await page.locator('#monitor-heading').innerText(), 'Health monitoring is on');
    await page.getByRole('button', { name: 'Turn health monitoring off' }).click();
    await page.waitForSelector('#monitor-heading:has-text("Health monitoring is off")');
    assert.match(
      await page.locator('main').innerText(),
      /Health monitoring is off: no checks and no notices/,
    );
    assert.equal((await sys.store.getMonitoringSwitch()).enabled, false);
    await assertAccessible(page, 'the provisioning page with health monitoring off');
    await screenshot(page, shots, 'console-monitoring-off');
    const switches = async () => {
      await page.getByRole('link', { name: 'Activity' }).click();
      await page.waitForSelector('h1:has-text("Activity")');
      return page.locator('tbody').innerText();
    };
    assert.match(await switches(), /an administrator\s+Switched monitoring off monitoring\.switched_off/);

    await page.getByRole('link', { name: 'Provisioning' }).click();
    await page.getByRole('button', { name: 'Turn health monitoring on' }).click();
    await page.waitForSelector('#monitor-heading:has-text("Health monitoring is on")');
    assert.match(await page.locator('main').innerText(), /Health monitoring is on: the next round checks/);
    assert.equal((await sys.store.getMonitoringSwitch()).enabled, true);
    assert.match(await switches(), /Switched monitoring on[\s\S]*Switched monitoring off/);
  });

  test('Provisioning: turning it off refuses the IdP; turning it on makes new credentials', async () => {
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    await page.getByRole('button', { name: 'Turn provisioning off' }).click();
    await page.waitForSelector('text=Provisioning is off. The IdP');
    assert.equal((await sys.store.getIntegration())!.state, 'inactive');
    const deadline = Date.now() + 5000;
    let status = 0;
    do {
      status = (await sys.scim('GET', '/Users')).status;
      if (status !== 200) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    assert.notEqual(status, 200, 'the IdP is refused');

    // The overview says so, and its link leads to where it is fixed.
    await page.getByRole('link', { name: 'Overview' }).click();
    const attention = page.locator('ul.attention');
    assert.match(await attention.innerText(), /Provisioning is off: your IdP cannot send people/);
    await assertAccessible(page, 'the overview with attention items');
    await screenshot(page, shots, 'console-overview-attention');
    await attention.getByRole('link', { name: 'Turn it on in Provisioning' }).click();
    await page.waitForSelector('h1:has-text("Provisioning")');

    await page.getByRole('button', { name: 'Turn provisioning on' }).click();
    await page.waitForSelector('h1:has-text("New credentials")');
    const token = await page.getByLabel('Bearer token (for your IdP)').inputValue();
    sys.secrets.add(token);
    sys.token = token;
    assert.equal((await sys.store.getIntegration())!.state, 'active');
  });

  test('Activity lists who changed what; the Outbox shows mail by state, without its links', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'kim@example.com',
      displayName: 'Kim <b>Lee</b>',
      emails: [{ value: 'kim@example.com', primary: true }],
      active: true,
    });
    assert.equal(created.status, 201, created.text);

    await page.getByRole('link', { name: 'Activity' }).click();
    await page.waitForSelector('h1:has-text("Activity")');
    const activity = await page.locator('tbody').innerText();
    // Each change in words, the stored name small beside it.
    assert.match(activity, /an administrator\s+Deactivated provisioning integration\.deactivated/);
    assert.match(
      activity,
      /an administrator\s+Changed the allowed e-mail domains account\.allowed_domains_changed/,
    );
    assert.match(activity, /the IdP \(provisioning\)\s+Invited a person member\.invited/);
    assert.match(activity, /Switched monitoring off/);
    await assertAccessible(page, 'the activity page');
    await screenshot(page, shots, 'console-activity');

    // What: one action only; the label is what the chooser offers.
    const everything = await page.locator('tbody tr').count();
    await page.getByLabel('What').selectOption({ label: 'Invited a person' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=member\.invited/);
    const invited = await page.locator('tbody tr').allInnerTexts();
    assert.ok(invited.length >= 1 && invited.length < everything, `${invited.length} of ${everything} rows`);
    for (const row of invited) assert.match(row, /Invited a person member\.invited/);
    assert.match(invited.join('\n'), /Kim <b>Lee<\/b>/, 'names from the IdP are shown as text');
    assert.equal(
      await page.getByLabel('What').inputValue(),
      'member.invited',
      'the chooser keeps the choice',
    );
    await assertAccessible(page, 'the activity filtered by what');
    await screenshot(page, shots, 'console-activity-filtered');

    // An action the list does not know: said beside the chooser, nothing listed, the page still works.
    const unknown = await page.goto(`${sys.system.accountAddress}/activity?action=member.beamed_up`);
    assert.equal(unknown?.status(), 400);
    assert.match(await page.locator('#f-action-error').innerText(), /no action "member\.beamed_up"/);
    assert.equal(await page.locator('tbody tr').count(), 0);
    await assertAccessible(page, 'the activity with an unknown action');
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.waitForSelector('tbody tr');

    // More than a page of one action: the filter stays on the older page, and only that action is there.
    // (An action nothing in the background records, so the count is known.)
    for (let n = 0; n < 55; n++) {
      await sys.store.appendActivity({
        id: `retried-${n}`,
        at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
        actor: 'admin',
        action: 'mail.retried',
        targetType: 'account',
        targetId: `mail-${n}`,
        detail: { by: 'owner' },
      });
    }
    await page.goto(`${sys.system.accountAddress}/activity?action=mail.retried`);
    assert.equal(await page.locator('tbody tr').count(), 50);
    await page.getByRole('link', { name: 'Older' }).click();
    await page.waitForURL(/before=/);
    assert.match(page.url(), /action=mail\.retried/);
    const older = await page.locator('tbody tr').allInnerTexts();
    assert.deepEqual(
      older.map((row) => /Queued an e-mail again mail\.retried[\s\S]*mail-(\d+)/.exec(row)?.[1]),
      ['4', '3', '2', '1', '0'],
    );

    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.waitForSelector('h1:has-text("Outbox")');
    await page.getByRole('link', { name: /waiting/ }).click();
    const outbox = await page.locator('tbody').innerText();
    assert.match(outbox, /kim@example\.com\s+invitation\s+waiting/);
    assert.doesNotMatch(await page.content(), /\/signup\//, 'no sign-up link on the page');
    await assertAccessible(page, 'the outbox page');
    await screenshot(page, shots, 'console-outbox');

    // A message the sender gave up on is sent again from here.
    await sys.store.enqueueMail({
      id: 'failed-1',
      to: 'gone@example.com',
      template: 'account_ready',
      data: { memberId: 'x', accountName: 'Harbour', link: 'https://account.example.com' },
      state: 'failed',
      attempts: 10,
      nextAttemptAt: new Date().toISOString(),
      lastError: '550 5.1.1 mailbox <gone> unknown',
      createdAt: new Date().toISOString(),
      sentAt: null,
    });
    await page.goto(`${sys.system.accountAddress}/outbox?state=failed`);
    assert.match(
      await page.locator('tbody').innerText(),
      /gone@example\.com\s+account ready\s+failing\s+10.*550 5\.1\.1 mailbox <gone> unknown/s,
    );
    await page.getByRole('button', { name: 'Send the account ready to gone@example.com again' }).click();
    await page.waitForSelector('text=The e-mail is queued again');
    const retried = (await sys.store.getMail('failed-1'))!;
    assert.equal(retried.state, 'queued');
    assert.equal(retried.attempts, 0);
  });

  test('the console works from the keyboard: skip link first, then the navigation, focus visible', async () => {
    await page.goto(`${sys.system.accountAddress}/people`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused link shows it');
    await page.keyboard.press('Enter');
    assert.match(page.url(), /#main$/);
    // From the top: the skip link, then the navigation in order.
    await page.goto(`${sys.system.accountAddress}/people`);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      order.push((await page.evaluate(() => document.activeElement?.textContent?.trim())) ?? '');
    }
    assert.deepEqual(order, ['Skip to content', 'Overview', 'People', 'Groups']);
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1:has-text("Groups")');
  });

  test('a console form without its CSRF token changes nothing', async () => {
    // A form another site (or an old tab) could post: the session cookie, but no token.
    const refused = await page.evaluate(async () => {
      const response = await fetch('/admin/signout', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=wrong',
      });
      return { status: response.status, text: await response.text() };
    });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /did not carry the token of your console session/);
    await page.goto(`${sys.system.accountAddress}/`);
    assert.equal(await page.locator('h1').innerText(), 'Overview', 'still signed in');
  });

  test('sign-out ends the session: the old cookie opens nothing', async () => {
    const [cookie] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForSelector('h1:has-text("Sign in to the console")');
    const replay = await fetch(`${sys.system.accountAddress}/`, {
      headers: { cookie: `scimbridge_console=${cookie!.value}` },
    });
    assert.match(await replay.text(), /Sign in to the console/);
  });

  test('a member who is not an administrator is refused the console, and keeps their own page', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'sam@example.com',
      emails: [{ value: 'sam@example.com', primary: true }],
      active: true,
    });
    assert.equal(created.status, 201, created.text);
    const mail = (await sys.store.listMail({ limit: 100 })).find((m) => m.to === 'sam@example.com')!;
    await runMemberSignup({
      link: localLink(sys.mailLink(mail), sys.system.accountAddress),
      password: MEMBER_PASSWORD,
    });

    const memberContext = await browser.newContext();
    const { page: memberPage } = await openPage(memberContext);
    await memberPage.goto(`${sys.system.accountAddress}/`);
    await consoleSignIn(memberPage, 'sam@example.com', MEMBER_PASSWORD);
    assert.match(await memberPage.locator('#problem').innerText(), /for the owners and administrators/);
    assert.equal((await memberContext.cookies()).length, 0, 'no console session');
    await screenshot(memberPage, shots, 'console-not-administrator');

    // Signed in as a member, the console is still only its sign-in page.
    await memberPage.goto(`${sys.system.accountAddress}/signin`);
    await memberPage.getByLabel('E-mail address').fill('sam@example.com');
    await memberPage.getByLabel('Password').fill(MEMBER_PASSWORD);
    await memberPage.getByRole('button', { name: 'Sign in' }).click();
    await memberPage.waitForURL(/\/member$/);
    await memberPage.goto(`${sys.system.accountAddress}/`);
    assert.equal(await memberPage.locator('h1').innerText(), 'Sign in to the console');
    await memberContext.close();
  });

  test('a member changes their password on their own page: their other session ends, the new password opens their keys', async () => {
    const NEW_PASSWORD = 'sam chose a new long password';
    const here = await browser.newContext();
    const elsewhere = await browser.newContext();
    try {
      const pages: Page[] = [];
      for (const context of [here, elsewhere]) {
        const { page: memberPage } = await openPage(context);
        await memberPage.goto(`${sys.system.accountAddress}/signin`);
        await memberPage.getByLabel('E-mail address').fill('sam@example.com');
        await memberPage.getByLabel('Password').fill(MEMBER_PASSWORD);
        await memberPage.getByRole('button', { name: 'Sign in' }).click();
        await memberPage.waitForURL(/\/member$/);
        pages.push(memberPage);
      }
      const [samPage, otherPage] = pages as [Page, Page];
      const fill = async (current: string, next: string) => {
        await samPage.getByLabel('Current password').fill(current);
        await samPage.getByLabel('New password', { exact: true }).fill(next);
        await samPage.getByLabel('New password again').fill(next);
        await samPage.getByRole('button', { name: 'Change password' }).click();
      };
      await fill('not sam’s password at all', NEW_PASSWORD);
      await samPage.waitForSelector('#current-password-error:not([hidden])');
      assert.match(await samPage.locator('#current-password-error').innerText(), /not your current password/);
      await assertAccessible(samPage, 'the member page with a field error');

      await fill(MEMBER_PASSWORD, NEW_PASSWORD);
      await samPage.waitForSelector('text=Your password is changed.');
      // The other browser's session, and Sam's from the test above.
      assert.match(await samPage.locator('p.done').innerText(), /2 other sessions were signed out/);
      await assertAccessible(samPage, 'the member page after a password change');
      await screenshot(samPage, shots, 'member-password-changed');
      await otherPage.goto(`${sys.system.accountAddress}/member`);
      assert.match(otherPage.url(), /\/signin$/);
      await samPage.goto(`${sys.system.accountAddress}/member/vaults`);
      assert.equal(await samPage.locator('h1').innerText(), 'Your vaults', 'this browser stays signed in');

      const sam = (await sys.store.findMemberByEmail('sam@example.com'))!;
      const keys = (await sys.store.getMemberKeys(sam.id))!;
      await unlockMemberPrivateKey(keys, NEW_PASSWORD);
      await assert.rejects(unlockMemberPrivateKey(keys, MEMBER_PASSWORD));
      const entry = (await sys.store.listActivity({ limit: 5, targetId: sam.id })).find(
        (e) => e.action === 'member.password_changed',
      );
      assert.deepEqual(
        [entry?.actor, entry?.detail],
        ['member', { by: 'sam@example.com', otherSessionsEnded: 2 }],
      );
    } finally {
      await elsewhere.close();
      await here.close();
    }
  });

  test('repeated failures lock the sign-in for that address, even with the right password', async () => {
    const lockContext = await browser.newContext();
    const { page: lockPage } = await openPage(lockContext);
    await lockPage.goto(`${sys.system.accountAddress}/`);
    // The server's time stands still while the browser works, so the back-off cannot run out
    // between two attempts however slow the machine; the test moves it past each pause.
    clock.hold();
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        await consoleSignIn(lockPage, OWNER_EMAIL, `wrong password number ${attempt}`);
        assert.match(await lockPage.locator('#problem').innerText(), /not right/);
        if (attempt === 2) {
          // Back-off: after three failures in a row the next attempt must wait a moment.
          await consoleSignIn(lockPage, OWNER_EMAIL, 'yet another wrong one');
          assert.match(await lockPage.locator('#problem').innerText(), /wait 1 second before the next one/);
        }
        if (attempt >= 2) clock.advance(1100 * 2 ** (attempt - 2));
      }
      await consoleSignIn(lockPage, OWNER_EMAIL, OWNER_PASSWORD);
      assert.match(
        await lockPage.locator('#problem').innerText(),
        /Too many failed sign-in attempts.*locked/,
      );
      assert.equal((await lockContext.cookies()).length, 0);
      await screenshot(lockPage, shots, 'console-locked');
    } finally {
      clock.release();
      await lockContext.close();
    }
  });
});
