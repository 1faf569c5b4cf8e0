// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * A whole administrator's journey in real Chromium (issue 11): first start → the owner's
 * setup link → sign-in to the console → an allowed domain → provisioning on, credentials
 * from the page → a simulated IdP (HTTP requests to the bridge) pushes two people and a
 * group, and a person of another domain is refused → both sign up (one on the page, one
 * with the CLI's same crypto) → the bridge confirms them → the administrator creates a vault
 * for the group on the Vaults page (its key made in the browser) → both people open it →
 * credentials regenerated on the page → the old token fails and the new one works.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { deactivateProvisioning } from '../../src/account/deactivate-provisioning.ts';
import { readMemberKeyRing } from '../../src/account/vaults.ts';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { openVaults } from '../../src/crypto/open-vaults.ts';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, consoleSignIn, localLink, screenshot } from '../support/console.ts';
import { GROUP_SCHEMA, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const OWNER_PASSWORD = 'Lighthouse keeper, 3 lamps lit';
const ANA_PASSWORD = 'ana chooses a long password';
const BO_PASSWORD = 'bo chooses another long one';

let sys: TestSystem;
let browser: Browser;
let context: BrowserContext;
let page: Page;

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
  // The journey starts where a first start leaves an account: provisioning off.
  await deactivateProvisioning({ store: sys.store, clock: systemClock, ids: randomIds });
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
});

after(async () => {
  await context?.close();
  await browser?.close();
  await sys?.close();
});

async function scim(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sys.scimUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), text };
}

/** Until the bridge has picked up the session file the console wrote, the new token is refused. */
async function waitForToken(token: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await scim(token, 'GET', '/Users?count=1')).status !== 200) {
    assert.ok(Date.now() < deadline, 'the bridge took up the new credentials');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function newCredentialsToken(): Promise<string> {
  await page.waitForSelector('h1:has-text("New credentials")');
  const token = await page.getByLabel('Bearer token (for your IdP)').inputValue();
  sys.secrets.add(token);
  return token;
}

async function inviteLink(email: string): Promise<string> {
  const mail = (await sys.store.listMail({ limit: 100 })).find(
    (m) => m.template === 'invitation' && m.to === email,
  );
  assert.ok(mail, `an invitation to ${email}`);
  return localLink(sys.mailLink(mail), sys.system.accountAddress);
}

test('first start → owner setup → console → provisioning → IdP push → sign-ups → vault → regenerate', async () => {
  // The owner's setup link from the first start.
  await page.goto(localLink(sys.system.ownerSetupLink!, sys.system.accountAddress));
  await page.getByLabel('Your name').fill('Olu Owner');
  await page.getByLabel('Password', { exact: true }).fill(OWNER_PASSWORD);
  await page.getByLabel('Password again').fill(OWNER_PASSWORD);
  await page.getByRole('button', { name: 'Set up my account' }).click();
  await page.waitForSelector('#done:not([hidden])');
  await page.getByRole('link', { name: 'Sign in to the console' }).click();
  await consoleSignIn(page, 'owner@example.com', OWNER_PASSWORD);
  assert.match(await page.locator('ul.attention').innerText(), /Provisioning is off/);

  // An allowed sign-up domain, then provisioning on, with the credentials from the page.
  await page.getByRole('link', { name: 'Provisioning', exact: true }).click();
  await page.getByLabel('Domains', { exact: true }).fill('example.com');
  await page.getByRole('button', { name: 'Save domains' }).click();
  await page.waitForSelector('text=Allowed sign-up domains: example.com.');
  await page.getByRole('button', { name: 'Turn provisioning on' }).click();
  const token = await newCredentialsToken();
  await waitForToken(token);

  // The IdP pushes two people and a group of both; a person of another domain is refused.
  const ana = await scim(token, 'POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'ana@example.com',
    displayName: 'Ana Alves',
    emails: [{ value: 'ana@example.com', primary: true }],
    active: true,
  });
  assert.equal(ana.status, 201, ana.text);
  const bo = await scim(token, 'POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'bo@example.com',
    displayName: 'Bo Berg',
    emails: [{ value: 'bo@example.com', primary: true }],
    active: true,
  });
  assert.equal(bo.status, 201, bo.text);
  const outsider = await scim(token, 'POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'eve@elsewhere.test',
    emails: [{ value: 'eve@elsewhere.test', primary: true }],
  });
  assert.ok(outsider.status >= 400 && outsider.status < 500, outsider.text);
  assert.match(outsider.text, /not on this account's allowed sign-up domains/);
  const group = await scim(token, 'POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'Engineering',
    members: [{ value: ana.body.id }, { value: bo.body.id }],
  });
  assert.equal(group.status, 201, group.text);

  // Both sign up: Ana on the page, Bo with the CLI (the same crypto); the bridge confirms them.
  const anaPage = await context.newPage();
  await anaPage.goto(await inviteLink('ana@example.com'));
  await anaPage.fill('#password', ANA_PASSWORD);
  await anaPage.fill('#password-confirm', ANA_PASSWORD);
  await anaPage.click('#signup-form button[type=submit]');
  await anaPage.locator('#done').waitFor({ state: 'visible', timeout: 20_000 });
  await runMemberSignup({ link: await inviteLink('bo@example.com'), password: BO_PASSWORD });
  await sys.system.watcher.runNow();
  assert.equal((await sys.store.getMember(ana.body.id))!.state, 'active');
  assert.equal((await sys.store.getMember(bo.body.id))!.state, 'active');

  // The People page shows them active, managed by provisioning.
  await page.goto(`${sys.system.accountAddress}/people?managed=1`);
  const people = await page.locator('tbody').innerText();
  assert.match(people, /Ana Alves\s+ana@example\.com\s+active\s+yes/);
  assert.match(people, /Bo Berg\s+bo@example\.com\s+active\s+yes/);

  // A vault for Engineering, its key made in this browser.
  await page.getByRole('link', { name: 'Vaults', exact: true }).click();
  await page.waitForSelector('h1:has-text("Vaults")');
  await page.getByLabel('Name', { exact: true }).fill('Build secrets');
  await page.getByLabel('Engineering').check();
  await assertAccessible(page, 'the vaults page');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await page.waitForSelector('text=Vault created.');
  assert.match(await page.locator('tbody').innerText(), /Build secrets\s+Engineering/);
  await screenshot(page, tmpdir(), 'console-vaults');

  // Both people open it: Ana on her vaults page, Bo with his key ring and password.
  await anaPage.goto(`${sys.system.accountAddress}/signin`);
  await anaPage.fill('#email', 'ana@example.com');
  await anaPage.fill('#password', ANA_PASSWORD);
  await anaPage.click('#signin-form button[type=submit]');
  await anaPage.waitForURL('**/member');
  await anaPage.goto(`${sys.system.accountAddress}/member/vaults`);
  await anaPage.fill('#password', ANA_PASSWORD);
  await anaPage.click('#vaults-form button[type=submit]');
  await anaPage.locator('#vaults-result').waitFor({ state: 'visible' });
  assert.ok(
    (await anaPage.locator('#vaults-list li').allTextContents()).includes(
      'Build secrets — through Engineering',
    ),
  );
  const ring = (await readMemberKeyRing(sys.store, bo.body.id))!;
  const opened = await openVaults(ring, BO_PASSWORD);
  assert.ok(
    opened.some((vault) => vault.name === 'Build secrets'),
    'Bo opens it too',
  );

  // Regenerate on the page: the old token fails, the new one works.
  await page.getByRole('link', { name: 'Provisioning', exact: true }).click();
  await page.getByRole('button', { name: 'Regenerate credentials' }).click();
  const newToken = await newCredentialsToken();
  await waitForToken(newToken);
  assert.equal((await scim(token, 'GET', '/Users?count=1')).status, 401);
  assert.equal((await scim(newToken, 'GET', '/Users?count=1')).status, 200);
  sys.token = newToken;
});
