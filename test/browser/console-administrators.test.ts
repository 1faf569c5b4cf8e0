// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * Making a person an administrator in real Chromium: the owner appoints an active person on
 * their page (after ticking the confirmation), that person signs in to the console, another
 * administrator neither sees the buttons nor gets past the routes (403), and removing the
 * person ends their open console tab on its next request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { assertAccessible, consoleSignIn, localLink, screenshot } from '../support/console.ts';
import { type OwnerConsole, openOwnerConsole, provisionUser } from '../support/owner-console.ts';
import type { TestSystem } from '../support/system.ts';

const OWNER_PASSWORD = 'the owner password, long enough';
const ANA_PASSWORD = 'ana has a long password too';
const BO_PASSWORD = 'bo has a long password as well';

let owner: OwnerConsole;
let sys: TestSystem;
let page: Page;
let ana: string;
let bo: string;

/** The IdP pushes the person, they sign up with the CLI's crypto, and the bridge confirms them. */
async function activePerson(email: string, name: string, password: string): Promise<string> {
  const id = await provisionUser(sys, email, name);
  const mail = (await sys.store.listMail({ limit: 100 })).find((m) => m.to === email)!;
  await runMemberSignup({ link: localLink(sys.mailLink(mail), sys.system.accountAddress), password });
  return id;
}

before(async () => {
  owner = await openOwnerConsole({ ownerPassword: OWNER_PASSWORD, name: 'administrators' });
  ({ sys, page } = owner);
  ana = await activePerson('ana@example.com', 'Ana Alves', ANA_PASSWORD);
  bo = await activePerson('bo@example.com', 'Bo Berg', BO_PASSWORD);
  await sys.system.watcher.runNow();
  assert.equal((await sys.store.getMember(ana))!.state, 'active');
  assert.equal((await sys.store.getMember(bo))!.state, 'active');
});

after(async () => {
  await owner?.close();
});

async function signedInAs(email: string, password: string): Promise<{ context: BrowserContext; tab: Page }> {
  const context = await owner.browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`${sys.system.accountAddress}/`);
  await consoleSignIn(tab, email, password);
  return { context, tab };
}

describe('the console: administrators', () => {
  let anaConsole: { context: BrowserContext; tab: Page };

  test('the owner makes an active person an administrator, once confirmed; they sign in to the console', async () => {
    await page.goto(`${sys.system.accountAddress}/people/${ana}`);
    assert.equal(await page.locator('#person-role').innerText(), 'member');
    assert.match(await page.locator('main').innerText(), /does not hand over group keys/);
    await assertAccessible(page, "a person's page with the administrator buttons");
    await screenshot(page, owner.shots, 'console-person-administrator');

    await page.getByRole('button', { name: 'Make administrator' }).click();
    await page.waitForSelector('#problem-appoint-admin');
    assert.match(await page.locator('#problem-appoint-admin').innerText(), /Tick the box to confirm/);

    // A member could not sign in to the console before.
    const before = await signedInAs('ana@example.com', ANA_PASSWORD);
    assert.match(await before.tab.locator('#problem').innerText(), /for the owners and administrators/);
    await before.context.close();

    await page.getByLabel(/Yes, let ana@example\.com use this console/).check();
    await page.getByRole('button', { name: 'Make administrator' }).click();
    await page.waitForSelector('text=They are an administrator now');
    assert.equal(await page.locator('#person-role').innerText(), 'administrator');
    assert.equal(await page.getByRole('button', { name: 'Remove administrator' }).count(), 1);
    const [entry] = await sys.store.listActivity({ limit: 1 });
    assert.equal(entry!.action, 'member.administrator_appointed');
    assert.equal(entry!.detail.by, 'owner@example.com');

    await page.goto(`${sys.system.accountAddress}/people`);
    assert.match(await page.locator('tbody').innerText(), /Ana Alves \(administrator\)\s+ana@example\.com/);

    anaConsole = await signedInAs('ana@example.com', ANA_PASSWORD);
    assert.equal(await anaConsole.tab.locator('h1').innerText(), 'Overview');
  });

  test('an administrator who is not the owner sees no buttons and gets 403 from the routes', async () => {
    const { tab } = anaConsole;
    await tab.goto(`${sys.system.accountAddress}/people/${bo}`);
    assert.equal(await tab.getByRole('button', { name: 'Make administrator' }).count(), 0);
    assert.equal(
      await tab.getByRole('button', { name: 'Suspend' }).count(),
      1,
      'the rest of the page is there',
    );
    const csrf = await tab.locator('input[name="csrf"]').first().inputValue();
    const ownerId = (await sys.store.findMemberByEmail('owner@example.com'))!.id;
    const statuses = await tab.evaluate(
      ({ paths, token }) =>
        Promise.all(
          paths.map((path) =>
            fetch(path, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ csrf: token, confirm: 'yes' }).toString(),
            }).then((response) => response.status),
          ),
        ),
      { paths: [`/people/${bo}/appoint-admin`, `/people/${ownerId}/remove-admin`], token: csrf },
    );
    assert.deepEqual(statuses, [403, 403]);
    const boMember = (await sys.store.getMember(bo))!;
    const administrators = (await sys.store.findGroupByKind('administrators'))!;
    assert.deepEqual(await sys.store.filterGroupMembers(administrators.id, [boMember.id]), []);
  });

  test('removing an administrator ends their open console tab on its next request', async () => {
    await page.goto(`${sys.system.accountAddress}/people/${ana}`);
    await page.getByLabel(/Yes, remove ana@example\.com from Administrators/).check();
    await page.getByRole('button', { name: 'Remove administrator' }).click();
    await page.waitForSelector('text=They are no longer an administrator');
    assert.equal(await page.locator('#person-role').innerText(), 'member');

    await anaConsole.tab.goto(`${sys.system.accountAddress}/people`);
    assert.equal(await anaConsole.tab.locator('h1').innerText(), 'Sign in to the console');
    await anaConsole.context.close();
    const [entry] = await sys.store.listActivity({ limit: 1 });
    assert.equal(entry!.action, 'member.administrator_removed');
    assert.equal(entry!.detail.endedSessions, 1);
  });
});
