/**
 * The member's path in a real browser (Debian Chromium through playwright-core): the IdP
 * creates a user through the bridge → the invitation link is read from the outbox → the
 * page, in Chromium, makes the key pair and signs the person up → the member is pending
 * with keys that open with their password, and neither the password nor the sign-in proof
 * exists anywhere in the database files or the log → the member signs in through the page.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { unlockMemberPrivateKey } from '../../src/crypto/member-keys.ts';
import { deriveSignInProof } from '../../src/crypto/sign-in-proof.ts';
import { launchChromium } from '../support/chromium.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const PASSWORD = 'Tide pools at dawn, 4 herons';

let sys: TestSystem;
let browser: Browser;

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await sys?.close();
});

/** The invitation link from the outbox, pointed at where the test's account server listens. */
async function invitationLink(email: string): Promise<string> {
  const mail = (await sys.store.listMail({ limit: 100 })).find(
    (message) => message.template === 'invitation' && message.to === email,
  );
  assert.ok(mail, `an invitation to ${email} is in the outbox`);
  return `${sys.system.accountAddress}${new URL(sys.mailLink(mail)).pathname}`;
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

/** Every byte the embedded database has written: the main file and its write-ahead log. */
async function databaseBytes(): Promise<Buffer> {
  const files = (await readdir(sys.dataDir)).filter((name) => name.startsWith('scimbridge.db'));
  return Buffer.concat(await Promise.all(files.map((name) => readFile(path.join(sys.dataDir, name)))));
}

describe('sign-up and sign-in in Chromium', () => {
  test('IdP creates a user → the page signs them up → pending with working keys → they sign in', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'lin@example.com',
      name: { givenName: 'Lin', familyName: 'Park' },
      displayName: 'Lin Park',
      emails: [{ value: 'lin@example.com', primary: true, type: 'work' }],
      active: true,
    });
    assert.equal(created.status, 201, created.text);
    const memberId = created.body.id as string;
    const link = await invitationLink('lin@example.com');

    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Refused requests (the spent link's 410, a wrong password's 401) are expected below.
      if (message.type() === 'error' && !/status of (401|410)/.test(message.text())) {
        pageErrors.push(message.text());
      }
    });
    await page.goto(link);
    assert.match(await textOf(page, 'h1'), /Join My Team/);
    assert.match(await textOf(page, 'main'), /lin@example\.com/);
    assert.equal(
      await page.locator('.needs-script').isVisible(),
      false,
      'the script runs: no JavaScript notice',
    );

    // A mistake first: the page says what is wrong and sends nothing.
    await page.fill('#password', PASSWORD);
    await page.fill('#password-confirm', `${PASSWORD}!`);
    await page.click('button[type=submit]');
    assert.match(await textOf(page, '#problem'), /not the same/);
    await page.fill('#password', 'short');
    await page.fill('#password-confirm', 'short');
    await page.click('button[type=submit]');
    assert.match(await textOf(page, '#problem'), /too short/);
    assert.equal((await sys.store.getMember(memberId))!.state, 'invited');

    await page.fill('#password', PASSWORD);
    await page.fill('#password-confirm', PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('#done').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await textOf(page, '#done'), /signed up/);
    assert.deepEqual(pageErrors, [], 'no script errors (the policy allows the page its own script)');

    // Pending, or already confirmed: the watcher beside it runs within seconds of a sign-up.
    const member = await sys.store.getMember(memberId);
    assert.ok(['pending', 'active'].includes(member!.state), `signed up, not ${member!.state}`);
    const keys = await sys.store.getMemberKeys(memberId);
    assert.ok(keys, 'the member has keys');
    await unlockMemberPrivateKey(keys, PASSWORD);
    const credential = await sys.store.getMemberCredential(memberId);
    const proof = await deriveSignInProof(PASSWORD, {
      salt: credential!.proofSalt,
      iterations: credential!.proofIterations,
    });

    // Neither the password nor the proof exists in the clear anywhere the server wrote.
    const bytes = await databaseBytes();
    for (const secret of [PASSWORD, proof, Buffer.from(proof, 'base64url').toString('hex')]) {
      assert.equal(bytes.includes(Buffer.from(secret)), false, 'secret found in the database files');
      assert.ok(!sys.logLines.join('').includes(secret), 'secret found in the log');
    }
    assert.ok(!sys.logLines.join('').includes(new URL(link).pathname), 'the sign-up token is not logged');

    // The link is spent: opening it again explains that.
    const again = await page.goto(link);
    assert.equal(again!.status(), 410);
    assert.match(await textOf(page, 'main'), /already been used/);

    // Sign in through the page.
    await page.goto(`${sys.system.accountAddress}/signin`);
    await page.fill('#email', 'lin@example.com');
    await page.fill('#password', 'not my password, surely');
    await page.click('button[type=submit]');
    await page.locator('#problem').waitFor({ state: 'visible' });
    assert.match(await textOf(page, '#problem'), /not right/);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL('**/member', { timeout: 30_000 });
    // The watcher beside it may have confirmed them already; either way the page says which.
    assert.match(await textOf(page, '#member-state'), /waiting to be confirmed|Your account is active/);
    const fetched = await page.evaluate(async () => (await fetch('/member/keys')).json());
    assert.deepEqual(fetched, {
      memberId,
      publicKey: keys.publicKey,
      encryptedPrivateKey: keys.encryptedPrivateKey,
    });
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'scimbridge_member');
    assert.equal(session?.httpOnly, true);
    assert.equal(session?.sameSite, 'Lax');

    await page.click('text=Sign out');
    await page.waitForURL('**/signin');
    await context.close();
    assert.deepEqual(pageErrors, []);
  });

  test('the answer is lost after the server signed the person up: submitting again finishes it', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'retry@example.com',
    });
    const link = await invitationLink('retry@example.com');
    const context = await browser.newContext();
    const page = await context.newPage();
    // The first POST reaches the server, but the browser never sees the answer.
    let dropped = false;
    await page.route('**/signup/*', async (route) => {
      if (route.request().method() === 'POST' && !dropped) {
        dropped = true;
        await route.fetch();
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });
    await page.goto(link);
    await page.fill('#password', PASSWORD);
    await page.fill('#password-confirm', PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('#problem').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await textOf(page, '#problem'), /could not be sent/);
    // Signed up: pending, or already active when the provision watcher confirmed them meanwhile
    // (it runs beside the test, and under load it can win the race).
    assert.ok(
      ['pending', 'active'].includes((await sys.store.getMember(created.body.id))!.state),
      'the first attempt arrived',
    );
    await page.click('button[type=submit]');
    await page.locator('#done').waitFor({ state: 'visible', timeout: 30_000 });
    const keys = await sys.store.getMemberKeys(created.body.id);
    await unlockMemberPrivateKey(keys!, PASSWORD);
    await context.close();
  });

  test('without JavaScript the page explains why it needs its script', async () => {
    await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'noscript@example.com' });
    const link = await invitationLink('noscript@example.com');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(link);
    assert.equal(await page.locator('.needs-script').isVisible(), true);
    assert.match(await textOf(page, '.needs-script'), /turn on\s+JavaScript/);
    await context.close();
  });
});
