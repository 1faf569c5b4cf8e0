// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The console's SCIM request log in real Chromium: the bridge delivers what it answered in
 * batches, and the Activity page lists it with filters, keyset pages and a detail view whose
 * body has no password or token; IdP text is escaped; a bad filter is reported beside its
 * field; someone without a console session sees only the sign-in page. The separate-bridge
 * shape (the account API client) on PostgreSQL delivers the same records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ScimRequestEntry } from '../../src/account/model.ts';
import type { Store } from '../../src/account/store.ts';
import { makeScimRequest } from '../../src/storage/request-log-contract.ts';
import { assertAccessible, screenshot } from '../support/console.ts';
import { type OwnerConsole, openOwnerConsole } from '../support/owner-console.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const OWNER_PASSWORD = 'the owner password, long enough';
const USER_PASSWORD = 'Pa55word-from-the-IdP';
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };

/** The bridge delivers every two seconds: wait (bounded) until the log holds `count` entries. */
async function logged(store: Store, count: number): Promise<ScimRequestEntry[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const entries = await store.listScimRequests({ limit: 100 });
    if (entries.length >= count) return entries;
    if (Date.now() > deadline) assert.fail(`the request log holds ${entries.length} of ${count} entries`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One pushed user with a password, a second push of it (409), and a search. */
async function pushFromOkta(sys: TestSystem, userName: string): Promise<void> {
  const user = {
    schemas: [USER_SCHEMA],
    userName,
    displayName: 'Ada <b>Lovelace</b>',
    password: USER_PASSWORD,
    emails: [{ value: userName, primary: true }],
    active: true,
  };
  assert.equal((await sys.scim('POST', '/Users', user, OKTA)).status, 201);
  assert.equal((await sys.scim('POST', '/Users', user, OKTA)).status, 409);
  assert.equal(
    (await sys.scim('GET', `/Users?filter=userName eq "${userName}"`, undefined, OKTA)).status,
    200,
  );
}

describe('the console: the SCIM request log (one process, SQLite)', () => {
  let sys: TestSystem;
  let browser: Browser;
  let shots: string;
  let page: Page;

  let owner: OwnerConsole;

  before(async () => {
    owner = await openOwnerConsole({
      ownerPassword: OWNER_PASSWORD,
      name: 'requests',
      system: { accountTransport: 'in-process' },
    });
    ({ sys, browser, shots, page } = owner);
  });

  after(async () => {
    await owner?.close();
  });

  test('each request with IdP, operation, resource, outcome and duration; filters; the redacted body', async () => {
    await pushFromOkta(sys, 'ada@example.com');
    await logged(sys.store, 3);
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('link', { name: 'SCIM requests' }).click();
    await page.waitForSelector('h1:has-text("Activity")');
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 3);
    assert.match(await rows.nth(0).innerText(), /okta\s+users\.list\s+Users\s+200\s+[\d.]+ ms/);
    assert.match(await rows.nth(1).innerText(), /okta\s+users\.create\s+Users\s+409 uniqueness/);
    assert.match(await rows.nth(2).innerText(), /okta\s+users\.create\s+Users \S+\s+201/);
    await assertAccessible(page, 'the SCIM request log');
    await screenshot(page, shots, 'console-scim-requests');

    await page.getByLabel('Outcome').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/outcome=failed/);
    assert.equal(await rows.count(), 1);
    await page.getByLabel('Resource').selectOption('Groups');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/resource=Groups/);
    assert.match(await page.locator('main').innerText(), /No request matches/);

    await page.goto(`${sys.system.accountAddress}/activity/requests?idp=okta&outcome=failed`);
    await rows
      .first()
      .getByRole('link', { name: /Details/ })
      .click();
    await page.waitForSelector('h1:has-text("SCIM request")');
    const main = await page.locator('main').innerText();
    assert.match(main, /409/);
    assert.match(main, /uniqueness/);
    assert.match(main, /"password": "\[redacted\]"/);
    assert.match(main, /Ada <b>Lovelace<\/b>/, 'IdP text is shown as text');
    assert.equal(await page.locator('main b').count(), 0, 'and never as markup');
    assert.ok(!(await page.content()).includes(USER_PASSWORD), 'the password never reaches the page');
    assert.ok(!(await page.content()).includes(sys.token), 'nor the bearer token');
    await assertAccessible(page, 'a SCIM request');
    await screenshot(page, shots, 'console-scim-request');
  });

  test('pages of 50 follow the keyset; a bad filter is refused beside its field; unknown ids are 404', async () => {
    await sys.store.appendScimRequests(
      Array.from({ length: 60 }, (_, i) =>
        makeScimRequest(`page-${String(i).padStart(2, '0')}`, {
          at: new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString(),
          idp: 'entra',
        }),
      ),
    );
    await page.goto(`${sys.system.accountAddress}/activity/requests?idp=entra`);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 50);
    await page.getByRole('link', { name: 'Older' }).click();
    await page.waitForURL(/before=/);
    assert.equal(await rows.count(), 10);
    assert.match(page.url(), /idp=entra/, 'the filter stays on the next page');

    const refused = await page.goto(
      `${sys.system.accountAddress}/activity/requests?from=yesterday&idp=nobody`,
    );
    assert.equal(refused?.status(), 400);
    assert.match(await page.locator('#f-from-error').innerText(), /date and time/);
    assert.match(await page.locator('#f-idp-error').innerText(), /Choose one of/);
    assert.equal(await rows.count(), 0);
    await assertAccessible(page, 'the request log with a bad filter');

    const from = await page.goto(`${sys.system.accountAddress}/activity/requests?from=2030-01-01T00:55`);
    assert.equal(from?.status(), 200);
    assert.equal(await rows.count(), 5);

    const missing = await page.goto(`${sys.system.accountAddress}/activity/requests/987654`);
    assert.equal(missing?.status(), 404);

    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(`${sys.system.accountAddress}/activity/requests/1`);
    assert.match(await strangerPage.locator('h1').innerText(), /Sign in to the console/);
    assert.ok(!(await strangerPage.content()).includes('ada@example.com'));
    await stranger.close();
  });
});

describe('the SCIM request log from a separate bridge (account API client, PostgreSQL)', () => {
  test('the records arrive over the account API, redacted', async () => {
    const sys = await startTestSystem({ db: 'postgres', accountTransport: 'http' });
    try {
      await pushFromOkta(sys, 'grace@example.com');
      const entries = await logged(sys.store, 3);
      assert.deepEqual(
        entries.map((entry) => [entry.idp, entry.operation, entry.status, entry.scimType]),
        [
          ['okta', 'users.list', 200, null],
          ['okta', 'users.create', 409, 'uniqueness'],
          ['okta', 'users.create', 201, null],
        ],
      );
      const created = entries[2]!;
      assert.equal(created.resourceType, 'Users');
      assert.match(created.body!, /"password":"\[redacted\]"/);
      assert.ok(!JSON.stringify(entries).includes(USER_PASSWORD));
    } finally {
      await sys.close();
    }
  });
});
