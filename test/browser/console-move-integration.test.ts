// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * Moving an integration on the console's Provisioning page (P20), in real Chromium: the
 * administrator re-creates the integration for a new IdP app, sees the old integration's
 * managed groups with their member counts, and transfers them with the page's form; then the
 * new app's lookup by name finds the group. A form without its CSRF token and a second
 * transfer change nothing. Every page passes axe-core and is photographed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { launchChromium } from '../support/chromium.ts';
import { assertAccessible, consoleSignIn, localLink, screenshot } from '../support/console.ts';
import {
  eventually,
  GROUP_SCHEMA,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const OWNER_PASSWORD = 'the owner password, long enough';

let sys: TestSystem;
let browser: Browser;
let shots: string;
let context: BrowserContext;
let page: Page;
let groupId = '';

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
  browser = await launchChromium();
  shots = await mkdtemp(path.join(tmpdir(), 'scimbridge-move-shots-'));
  await runMemberSignup({
    link: localLink(sys.system.ownerSetupLink!, sys.system.accountAddress),
    password: OWNER_PASSWORD,
  });
  const members: string[] = [];
  for (const email of ['ana@example.com', 'bo@example.com']) {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: email,
      emails: [{ value: email, primary: true }],
    });
    assert.equal(created.status, 201, created.text);
    members.push(created.body.id);
  }
  // A name with markup: the page must show it as text.
  const group = await sys.scim('POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'Platform <Ops>',
    members: members.map((value) => ({ value })),
  });
  assert.equal(group.status, 201, group.text);
  groupId = group.body.id;

  context = await browser.newContext();
  page = await context.newPage();
  await page.goto(`${sys.system.accountAddress}/`);
  await consoleSignIn(page, 'owner@example.com', OWNER_PASSWORD);
  assert.equal(await page.locator('h1').innerText(), 'Overview');
});

after(async () => {
  await context?.close();
  await browser?.close();
  await sys?.close();
  if (shots) await rm(shots, { recursive: true, force: true });
});

const section = () => page.locator('section[aria-labelledby="move-heading"]');

describe('the console: moving to a new IdP app (P20)', () => {
  test('re-creating the integration shows new credentials once; the old token stops working', async () => {
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    assert.match(await section().innerText(), /None are waiting for a transfer/);
    const oldToken = sys.token;
    await page.getByRole('button', { name: 'Re-create the integration' }).click();
    await page.waitForSelector('h1:has-text("New credentials")');
    assert.match(await page.locator('main').innerText(), /This is a new integration/);
    const token = await page.getByLabel('Bearer token (for your IdP)').inputValue();
    sys.secrets.add(token);
    sys.token = token;
    // The bridge in this process reads the session file the page wrote.
    await eventually(async () => (await sys.scim('GET', '/Groups')).status === 200, 'the new token working');
    assert.equal(
      (await sys.scim('GET', '/Groups', undefined, { authorization: `Bearer ${oldToken}` })).status,
      401,
    );
    const hidden = await sys.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Platform <Ops>"')}`,
    );
    assert.equal(hidden.body.totalResults, 0, 'the new app does not see the old group yet');
  });

  test('the page lists the previous integration’s groups with member counts and a transfer form', async () => {
    await page.goto(`${sys.system.accountAddress}/provisioning`);
    const rows = section().locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /^Platform <Ops>\s+2\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.equal(await section().getByRole('button', { name: 'Transfer 1 group' }).count(), 1);
    await assertAccessible(page, 'the provisioning page with groups to transfer');
    await section().scrollIntoViewIfNeeded();
    await screenshot(page, shots, 'console-provisioning-transfer');
  });

  test('the group’s own page says it waits for a transfer', async () => {
    await section().getByRole('link', { name: 'Platform <Ops>' }).click();
    await page.waitForSelector('h1:has-text("Platform <Ops>")');
    assert.match(await page.locator('#set-aside').innerText(), /A previous integration managed this group/);
    assert.equal(await page.getByRole('button', { name: 'Keep it from the transfer' }).count(), 1);
    await assertAccessible(page, 'the page of a group set aside');
    await screenshot(page, shots, 'console-group-set-aside');
    await page.goto(`${sys.system.accountAddress}/provisioning`);
  });

  test('a transfer form without its CSRF token changes nothing', async () => {
    const refused = await page.evaluate(async () => {
      const response = await fetch('/provisioning/transfer-groups', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=wrong',
      });
      return response.status;
    });
    assert.equal(refused, 403);
    assert.equal((await sys.store.listPreviousIntegrationGroups()).length, 1);
  });

  test('Transfer: the groups are the new integration’s; the new app finds them by name', async () => {
    const csrf = await section().locator('input[name="csrf"]').last().inputValue();
    await section().getByRole('button', { name: 'Transfer 1 group' }).click();
    await page.waitForSelector('p.done[role="status"]');
    assert.equal(
      await page.locator('p.done').innerText(),
      'Transferred 1 group to this integration: Platform <Ops>. Your IdP finds them by name on its next push.',
    );
    assert.match(await section().innerText(), /None are waiting for a transfer/);
    await assertAccessible(page, 'the provisioning page after a transfer');
    await screenshot(page, shots, 'console-provisioning-transferred');

    const found = await sys.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Platform <Ops>"')}`,
    );
    assert.equal(found.body.totalResults, 1, found.text);
    assert.equal(found.body.Resources[0].id, groupId);
    assert.equal(found.body.Resources[0].members.length, 2);

    // The same form sent again (a second click, an old tab): said, nothing changed.
    const again = await page.evaluate(async (token) => {
      const response = await fetch('/provisioning/transfer-groups', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrf=${encodeURIComponent(token)}`,
      });
      return { status: response.status, text: await response.text() };
    }, csrf);
    assert.equal(again.status, 409);
    assert.match(
      again.text,
      /no managed groups of a previous integration are waiting for a transfer: nothing changed/,
    );
    const transfers = (await sys.store.listActivity({ limit: 50 })).filter(
      (entry) => entry.action === 'integration.groups_transferred',
    );
    assert.equal(transfers.length, 1);
  });
});
