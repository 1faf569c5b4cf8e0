// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The console's People pages in real Chromium: search, the state and "managed by
 * provisioning" filters and keyset paging; a person's page and its actions — a new
 * invitation, suspend and reactivate (refused for a person the IdP manages), delete (only
 * after confirming) — and a member who is not an administrator kept out of the console.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Member } from '../../src/account/model.ts';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { makeMember } from '../../src/storage/contract-fixtures.ts';
import { assertAccessible, localLink, screenshot } from '../support/console.ts';
import { type OwnerConsole, openOwnerConsole, provisionUser } from '../support/owner-console.ts';
import type { TestSystem } from '../support/system.ts';

const OWNER_PASSWORD = 'the owner password, long enough';
const MEMBER_PASSWORD = 'a member password that is long';

let sys: TestSystem;
let browser: Browser;
let shots: string;
let context: BrowserContext;
let page: Page;

/** A member the IdP does not manage, as an administrator's own invitation would make one. */
function unmanaged(id: string, email: string, displayName: string | null): Member {
  const now = new Date().toISOString();
  return makeMember(id, {
    userName: email,
    email,
    displayName,
    state: 'invited',
    managed: false,
    createdAt: now,
    updatedAt: now,
  });
}

const provision = (email: string, displayName: string) => provisionUser(sys, email, displayName);

let owner: OwnerConsole;

before(async () => {
  owner = await openOwnerConsole({ ownerPassword: OWNER_PASSWORD, name: 'people' });
  ({ sys, browser, shots, context, page } = owner);
});

after(async () => {
  await owner?.close();
});

describe('the console: People', () => {
  let ana: string;

  test('the list: search by the beginning of a name or address, the filters, and pages', async () => {
    ana = await provision('ana.lopez@example.com', 'Ana <i>Lopez</i>');
    await provision('bo@example.com', 'Bo Chen');
    for (let i = 0; i < 55; i++) {
      await sys.store.insertMember(
        unmanaged(`extra-${String(i).padStart(2, '0')}`, `zz${String(i).padStart(2, '0')}@example.com`, null),
      );
    }
    await page.getByRole('link', { name: 'People' }).click();
    await page.waitForSelector('h1:has-text("People")');
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 50, 'one page of 50');
    assert.match(
      await rows.first().innerText(),
      /Ana <i>Lopez<\/i>\s+ana\.lopez@example\.com\s+invited\s+yes/,
    );
    await assertAccessible(page, 'the people list');
    await screenshot(page, shots, 'console-people');

    await page.getByRole('link', { name: 'Next page' }).click();
    await page.waitForSelector('text=First page');
    assert.equal(await rows.count(), 8, '58 people: 50, then 8');
    assert.match(await rows.last().innerText(), /zz54@example\.com/);

    await page.goto(`${sys.system.accountAddress}/people`);
    await page.getByLabel('Search').fill('ANA');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/q=ANA/);
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /ana\.lopez@example\.com/);

    await page.goto(`${sys.system.accountAddress}/people`);
    await page.getByLabel('State').selectOption('pending');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/state=pending/);
    assert.match(await page.locator('main').innerText(), /owner@example\.com|Nobody matches/);

    await page.goto(`${sys.system.accountAddress}/people`);
    await page.getByLabel('Only people managed by provisioning').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/managed=1/);
    assert.equal(await rows.count(), 2, 'only the two the IdP pushed');

    // A cursor that is not one the list gave out: said beside the search, nothing listed.
    const bad = await page.goto(`${sys.system.accountAddress}/people?after=forged`);
    assert.equal(bad?.status(), 400);
    assert.match(await page.locator('#q-error').innerText(), /page cursor/);
  });

  test('on a phone the pages fit the screen: nothing wider than the viewport but scrolling tables', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 } });
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    for (const address of ['/', '/people', `/people/${ana}`, '/groups', '/provisioning']) {
      await small.goto(`${sys.system.accountAddress}${address}`);
      const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${address} is ${overflow}px wider than the phone`);
    }
    await small.goto(`${sys.system.accountAddress}/people/${ana}`);
    await screenshot(small, shots, 'console-person-phone');
    await phone.close();
  });

  test('suspending a person the IdP manages is refused with what to do instead', async () => {
    await page.goto(`${sys.system.accountAddress}/people/${ana}`);
    assert.equal(await page.locator('h1').innerText(), 'Ana <i>Lopez</i>');
    await assertAccessible(page, "a person's page");
    await screenshot(page, shots, 'console-person');
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.waitForSelector('#problem-suspend');
    assert.match(
      await page.locator('#problem-suspend').innerText(),
      /managed by your identity provider: suspend them there/,
    );
    assert.equal((await sys.store.getMember(ana))!.state, 'invited', 'nothing changed');
    await screenshot(page, shots, 'console-person-managed-refused');
    // Their activity, filtered from the whole log.
    await page.getByRole('link', { name: 'All of their activity' }).click();
    await page.waitForSelector('h1:has-text("Activity")');
    const rows = await page.locator('tbody tr').allInnerTexts();
    assert.ok(rows.length >= 1);
    for (const row of rows) assert.match(row, /Ana <i>Lopez<\/i>/);
    // What, about them: both filters hold.
    await page.getByLabel('What').selectOption({ label: 'Invited a person' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=member\.invited/);
    assert.match(page.url(), new RegExp(`about=${ana}`));
    const invited = await page.locator('tbody tr').allInnerTexts();
    assert.equal(invited.length, 1);
    assert.match(invited[0]!, /Invited a person member\.invited\s+Ana <i>Lopez<\/i>/);
  });

  test('an unmanaged person: new invitation, suspend, reactivate, and delete only once confirmed', async () => {
    await sys.store.insertMember(unmanaged('dee-1', 'dee@example.com', 'Dee Diaz'));
    await page.goto(`${sys.system.accountAddress}/people/dee-1`);

    await page.getByRole('button', { name: 'Send a new invitation' }).click();
    await page.waitForSelector('text=A new invitation is in the outbox');
    const mail = (await sys.store.listMail({ limit: 100 })).filter((m) => m.to === 'dee@example.com');
    assert.equal(mail.length, 1);

    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.waitForSelector('text=Suspended: they can no longer sign in');
    assert.equal(await page.locator('#person-state').innerText(), 'suspended');
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.waitForSelector('text=Reactivated.');
    assert.notEqual((await sys.store.getMember('dee-1'))!.state, 'suspended');

    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.waitForSelector('#problem-delete');
    assert.match(await page.locator('#problem-delete').innerText(), /Tick the box to confirm/);
    assert.ok(await sys.store.getMember('dee-1'), 'not deleted without confirming');

    await page.getByLabel(/Yes, delete dee@example\.com/).check();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.waitForSelector('text=The person was deleted for good');
    assert.equal(await sys.store.getMember('dee-1'), undefined);
    const [entry] = await sys.store.listActivity({ limit: 1 });
    assert.equal(entry!.action, 'member.deleted');
  });

  test('the owner cannot be suspended from the console', async () => {
    const owner = (await sys.store.findMemberByEmail('owner@example.com'))!;
    await page.goto(`${sys.system.accountAddress}/people/${owner.id}`);
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.waitForSelector('#problem-suspend');
    assert.match(await page.locator('#problem-suspend').innerText(), /owner/);
  });

  test('a member who is not an administrator gets the sign-in page at every console address', async () => {
    await provision('sam@example.com', 'Sam');
    const mail = (await sys.store.listMail({ limit: 100 })).find((m) => m.to === 'sam@example.com')!;
    await runMemberSignup({
      link: localLink(sys.mailLink(mail), sys.system.accountAddress),
      password: MEMBER_PASSWORD,
    });
    const memberContext = await browser.newContext();
    const memberPage = await memberContext.newPage();
    await memberPage.goto(`${sys.system.accountAddress}/signin`);
    await memberPage.getByLabel('E-mail address').fill('sam@example.com');
    await memberPage.getByLabel('Password').fill(MEMBER_PASSWORD);
    await memberPage.getByRole('button', { name: 'Sign in' }).click();
    await memberPage.waitForURL(/\/member$/);
    for (const address of ['/people', `/people/${ana}`, '/provisioning', '/activity', '/outbox']) {
      await memberPage.goto(`${sys.system.accountAddress}${address}`);
      assert.equal(await memberPage.locator('h1').innerText(), 'Sign in to the console', address);
    }
    // A form posted with the member's cookie changes nothing.
    const posted = await memberPage.evaluate(async (id) => {
      const response = await fetch(`/people/${id}/delete`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'confirm=yes',
      });
      return response.status;
    }, ana);
    assert.equal(posted, 403);
    assert.ok(await sys.store.getMember(ana));
    await memberContext.close();
  });
});

describe('the console: Groups', () => {
  test('create, refuse a taken name beside the field, rename, manage and delete a custom group', async () => {
    await page.goto(`${sys.system.accountAddress}/`);
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.waitForSelector('h1:has-text("Groups")');
    const table = await page.locator('tbody').innerText();
    assert.match(table, /Provision Managers\s+built-in, protected\s+no/);
    assert.match(table, /Team Members\s+built-in/);

    await page.getByLabel('Name', { exact: true }).fill('Design <Team>');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForSelector('text=Group created.');
    assert.equal(await page.locator('h1').innerText(), 'Design <Team>');
    await assertAccessible(page, "a custom group's page");
    await screenshot(page, shots, 'console-group');

    await page.goto(`${sys.system.accountAddress}/groups`);
    await page.getByLabel('Name', { exact: true }).fill('design <team>');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForSelector('#group-name-error');
    assert.match(await page.locator('#group-name-error').innerText(), /already/i);
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'design <team>');
    await assertAccessible(page, 'the groups page with a field error');
    await screenshot(page, shots, 'console-groups');

    await page.getByRole('link', { name: 'Design <Team>' }).click();
    await page.getByLabel('New name').fill('Design');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.waitForSelector('text=Renamed.');
    assert.equal(await page.locator('h1').innerText(), 'Design');

    await page.getByRole('button', { name: 'Put on the managed-groups list' }).click();
    await page.waitForSelector('text=The group is on the managed-groups list');
    const group = (await sys.store.findGroupByDisplayName('Design'))!;
    assert.equal(group.managed, true);

    await page.getByRole('button', { name: 'Delete group' }).click();
    await page.waitForSelector('#problem-delete');
    assert.ok(await sys.store.getGroup(group.id), 'not deleted without the tick');
    await page.getByLabel(/Yes, delete Design/).check();
    await page.getByRole('button', { name: 'Delete group' }).click();
    await page.waitForSelector('text=The group was deleted; its members stay.');
    assert.equal(await sys.store.getGroup(group.id), undefined);
  });

  test('Provision Managers is shown protected, and a forged rename of it is refused', async () => {
    const protectedGroup = (await sys.store.findGroupByKind('provision_managers'))!;
    await page.goto(`${sys.system.accountAddress}/groups/${protectedGroup.id}`);
    assert.match(
      await page.locator('#protection').innerText(),
      /belongs to the provisioning integration itself/,
    );
    assert.equal(await page.getByRole('button', { name: 'Rename' }).count(), 0, 'no rename form');
    // With this session's own form token, as a hand-made request would carry it.
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const refused = await page.evaluate(
      async ({ id, token }) => {
        const response = await fetch(`/groups/${id}/rename`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: token, displayName: 'Mine now' }).toString(),
        });
        return { status: response.status, text: await response.text() };
      },
      { id: protectedGroup.id, token: csrf },
    );
    assert.equal(refused.status, 409);
    assert.match(refused.text, /belongs to the provisioning integration itself and cannot be/);
    assert.equal((await sys.store.getGroup(protectedGroup.id))!.displayName, 'Provision Managers');
  });
});
