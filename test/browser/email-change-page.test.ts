/**
 * The e-mail change page in a real Chromium: what a member sees and clicks, without
 * JavaScript of ours, with a hostile account name rendered as text.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, screenshot } from '../support/console.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

let sys: TestSystem;
let browser: Browser;

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_ACCOUNT_URL: 'http://localhost:1' } });
  const account = (await sys.store.getAccount())!;
  await sys.store.saveAccount({ ...account, name: 'Acme <img src=x onerror=alert(1)>' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await sys?.close();
});

test('a member reviews the change and accepts it with one button', async () => {
  const created = await sys.scim('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'linus@example.com',
    emails: [{ value: 'linus@example.com', primary: true }],
  });
  await sys.scim('PUT', `/Users/${created.body.id}`, {
    schemas: [USER_SCHEMA],
    userName: 'linus@example.com',
    emails: [{ value: 'linus.new@example.com', primary: true }],
  });
  const mail = (await sys.store.listMail({ limit: 5 })).find((m) => m.template === 'email_change')!;
  const url = `${sys.system.accountAddress}${new URL(sys.mailLink(mail)).pathname}`;

  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  assert.equal(
    await page.getByRole('heading', { level: 1 }).textContent(),
    'Confirm your new e-mail address',
  );
  const body = (await page.locator('main').textContent()) ?? '';
  assert.ok(body.includes('Acme <img src=x onerror=alert(1)>'), 'the hostile name is shown as text');
  assert.ok(body.includes('linus@example.com') && body.includes('linus.new@example.com'));
  assert.equal(await page.locator('img').count(), 0);
  // The account server's one style, and no serious accessibility problem.
  await assertAccessible(page, 'the e-mail change page');
  await screenshot(page, tmpdir(), 'email-change');

  await page.getByRole('button', { name: 'Use linus.new@example.com' }).click();
  await page.waitForLoadState();
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'E-mail address changed');
  assert.equal((await sys.store.getMember(created.body.id))!.email, 'linus.new@example.com');

  // Back and submit again: the link is used up and says so.
  await page.goto(url);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'This link was already used');
  assert.deepEqual(dialogs, []);
  await page.close();
});
