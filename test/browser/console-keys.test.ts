// biome-ignore-all lint/performance/useDomNodeTextContent: the tests read the page as a person sees it, laid out
/**
 * The console's actions that need the key chain in the administrator's browser, in real
 * Chromium (issue 11): confirming a pending person by hand while no bridge runs — the
 * administrator's password opens their own keys, the browser seals the group keys for the
 * person, and the person then really opens a vault — and its refusals: a wrong password, a
 * group key the administrator does not hold, a missing form token, a visitor who is not an
 * administrator. Each refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readMemberKeyRing } from '../../src/account/vaults.ts';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { openSession, type SessionFile } from '../../src/crypto/credentials/session-file.ts';
import { parseToken } from '../../src/crypto/credentials/token.ts';
import { openGroupPrivateKey, PROVISIONING_RECIPIENT } from '../../src/crypto/key-chain.ts';
import { importPrivateKey } from '../../src/crypto/keys.ts';
import { openVaults } from '../../src/crypto/open-vaults.ts';
import { assertAccessible, consoleSignIn, localLink, screenshot } from '../support/console.ts';
import { type OwnerConsole, openOwnerConsole, provisionUser } from '../support/owner-console.ts';
import { GROUP_SCHEMA, type TestSystem } from '../support/system.ts';

const OWNER_PASSWORD = 'the owner password, long enough';
const ANA_PASSWORD = 'ana chooses a long password';
const BO_PASSWORD = 'bo chooses another long one';
const CY_PASSWORD = 'cy has a long password too';

let sys: TestSystem;
let browser: Browser;
let shots: string;
let page: Page;
let ana: string;
let bo: string;
let cy: string;

const provision = (email: string, displayName: string) => provisionUser(sys, email, displayName);

async function signUp(email: string, password: string): Promise<void> {
  const mail = (await sys.store.listMail({ limit: 100 })).find(
    (m) => m.template === 'invitation' && m.to === email,
  );
  assert.ok(mail, `an invitation to ${email}`);
  await runMemberSignup({ link: localLink(sys.mailLink(mail), sys.system.accountAddress), password });
}

async function readyMails(email: string): Promise<number> {
  return (await sys.store.listMail({ limit: 500 })).filter(
    (m) => m.template === 'account_ready' && m.to === email,
  ).length;
}

/** A JSON post from the console page, as its script sends it, with whatever body the test gives. */
async function postFromPage(
  target: Page,
  url: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  return target.evaluate(
    async ([url, body]) => {
      const response = await fetch(url as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        credentials: 'same-origin',
      });
      return { status: response.status, text: await response.text() };
    },
    [url, body] as const,
  );
}

let owner: OwnerConsole;

before(async () => {
  // The owner signs up; the bridge confirms them once, so they hold the key of Team Members.
  owner = await openOwnerConsole({
    ownerPassword: OWNER_PASSWORD,
    name: 'keys',
    prepare: async (started) => {
      sys = started;
      ana = await provision('ana@example.com', 'Ana Alves');
      bo = await provision('bo@example.com', 'Bo Berg');
      cy = await provision('cy@example.com', 'Cy Chen');
      const group = await sys.scim('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Engineering',
        members: [{ value: bo }, { value: cy }],
      });
      assert.equal(group.status, 201, group.text);
      // Cy signs up while the bridge still runs: it confirms Cy, who holds Engineering's key.
      await signUp('cy@example.com', CY_PASSWORD);
      await sys.system.watcher.runNow();
      assert.equal((await sys.store.getMember(cy))!.state, 'active');
      // From here on no bridge confirms anyone: the administrator does it by hand.
      sys.system.watcher.stop();
      await signUp('ana@example.com', ANA_PASSWORD);
      await signUp('bo@example.com', BO_PASSWORD);
      assert.equal((await sys.store.getMember(ana))!.state, 'pending');
      assert.equal((await sys.store.getMember(bo))!.state, 'pending');
    },
  });
  ({ sys, browser, shots, page } = owner);
});

after(async () => {
  await owner?.close();
});

describe('the console: confirming a person by hand', () => {
  test('a wrong password opens nothing and changes nothing', async () => {
    await page.goto(`${sys.system.accountAddress}/people/${ana}`);
    await page.getByRole('link', { name: 'Confirm by hand' }).click();
    await page.waitForSelector('h1:has-text("Confirm Ana Alves by hand")');
    assert.match(await page.locator('tbody').innerText(), /Team Members\s+yes/);
    await assertAccessible(page, 'the confirm page');
    await screenshot(page, shots, 'console-confirm');
    await page.getByLabel('Your password').fill('not the owner password');
    await page.getByLabel('Your password').press('Enter');
    await page.waitForSelector('#problem:not([hidden])');
    assert.match(await page.locator('#problem').innerText(), /That password does not open your keys/);
    assert.equal(await page.getByLabel('Your password').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the confirm page with its error');
    assert.equal((await sys.store.getMember(ana))!.state, 'pending');
    assert.equal(await readyMails('ana@example.com'), 0);
  });

  test('the administrator confirms with their own keys; the person gets one e-mail and opens a vault', async () => {
    await page.getByLabel('Your password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Confirm Ana Alves' }).click();
    await page.waitForSelector('text=Confirmed: they hold their groups');
    assert.match(await page.locator('#person-state').innerText(), /^active/);
    assert.equal(await readyMails('ana@example.com'), 1);
    const entry = (await sys.store.listActivity({ limit: 5, targetId: ana })).find(
      (e) => e.action === 'member.confirmed',
    );
    assert.equal(entry?.actor, 'admin');
    assert.equal(entry?.detail.by, 'owner@example.com');

    // A second confirmation (a double submit, or the bridge coming back) sends no second e-mail.
    await page.goto(`${sys.system.accountAddress}/people/${ana}/confirm`);
    assert.match(await page.locator('#confirm-problem').innerText(), /Only a person waiting to be confirmed/);
    assert.equal(await readyMails('ana@example.com'), 1);

    // The end-to-end proof: a vault for Team Members, made in this browser, opens for Ana.
    await page.goto(`${sys.system.accountAddress}/vaults`);
    await page.getByLabel('Name', { exact: true }).fill('Team handbook');
    await page.getByLabel('Team Members').check();
    await page.getByRole('button', { name: 'Create vault' }).click();
    await page.waitForSelector('text=Vault created.');
    const opened = await openVaults((await readMemberKeyRing(sys.store, ana))!, ANA_PASSWORD);
    assert.deepEqual(
      opened.map((vault) => vault.name),
      ['Team handbook'],
    );
  });

  test('a group whose key the administrator does not hold: the page names it and offers no form', async () => {
    await page.goto(`${sys.system.accountAddress}/people/${bo}/confirm`);
    assert.match(await page.locator('tbody').innerText(), /Engineering\s+no/);
    const problem = await page.locator('#confirm-problem').innerText();
    assert.match(problem, /You do not hold the key of Engineering/);
    assert.match(problem, /start the bridge/);
    assert.equal(await page.locator('#confirm-form').count(), 0);
    await assertAccessible(page, 'the confirm page refusing');
    await screenshot(page, shots, 'console-confirm-refused');

    // A forged post without Engineering's key is refused too.
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const version = (await sys.store.getMember(bo))!.version;
    const forged = await postFromPage(page, `/people/${bo}/confirm`, {
      csrf,
      expectedVersion: version,
      shares: [],
    });
    assert.equal(forged.status, 409, forged.text);
    assert.match(forged.text, /nothing was changed/);
    assert.equal((await sys.store.getMember(bo))!.state, 'pending');
    assert.equal(await readyMails('bo@example.com'), 0);
  });

  test('without the form token, or without a console session, nothing happens', async () => {
    const version = (await sys.store.getMember(bo))!.version;
    const noToken = await postFromPage(page, `/people/${bo}/confirm`, {
      expectedVersion: version,
      shares: [],
    });
    assert.equal(noToken.status, 403);
    assert.match(noToken.text, /did not carry the token of your console session/);

    // A member signed in to their own pages is no administrator.
    const memberContext = await browser.newContext();
    try {
      const member = await memberContext.newPage();
      await member.goto(`${sys.system.accountAddress}/signin`);
      await member.fill('#email', 'ana@example.com');
      await member.fill('#password', ANA_PASSWORD);
      await member.click('#signin-form button[type=submit]');
      await member.waitForURL('**/member');
      await member.goto(`${sys.system.accountAddress}/people/${bo}/confirm`);
      assert.equal(await member.locator('h1').innerText(), 'Sign in to the console');
      const ring = await member.evaluate(
        async () => (await fetch('/admin/key-ring', { redirect: 'manual' })).status,
      );
      assert.notEqual(ring, 200);
      const posted = await postFromPage(member, `/people/${bo}/confirm`, {
        csrf: 'x',
        expectedVersion: 1,
        shares: [],
      });
      assert.equal(posted.status, 403);
      assert.match(posted.text, /Signed out/);
    } finally {
      await memberContext.close();
    }
    assert.equal((await sys.store.getMember(bo))!.state, 'pending');
  });
});

async function cyOpens(): Promise<Record<string, string[]>> {
  const opened = await openVaults((await readMemberKeyRing(sys.store, cy))!, CY_PASSWORD);
  return Object.fromEntries(opened.map((vault) => [vault.name, vault.groups.sort()]));
}

/** The vault page's grants as "group: permission", in the page's order. */
function grantRows(): Promise<string[]> {
  return page
    .locator('table[aria-labelledby="granted-heading"] tbody tr')
    .evaluateAll((rows) =>
      rows.map(
        (row) => `${(row as HTMLTableRowElement).cells[0]!.innerText}: ${row.querySelector('select')!.value}`,
      ),
    );
}

async function grantedTo(vaultName: string): Promise<string[]> {
  await page.goto(`${sys.system.accountAddress}/vaults`);
  await page.getByRole('link', { name: vaultName }).click();
  await page.waitForSelector(`h1:has-text("${vaultName}")`);
  return grantRows();
}

describe('the console: granting a vault to another group, and revoking it', () => {
  test('the vault key is opened in the browser and sealed for the group, whose members then open it', async () => {
    assert.deepEqual(await cyOpens(), { 'Team handbook': ['Team Members'] });
    assert.deepEqual(await grantedTo('Team handbook'), ['Team Members: manage']);
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Engineering' });
    assert.equal(
      await page.getByLabel('Permission', { exact: true }).inputValue(),
      'view',
      'view unless chosen',
    );
    await screenshot(page, shots, 'console-vault-grant');
    await page.getByLabel('Your password').fill('not the owner password');
    await page.getByRole('button', { name: 'Grant' }).click();
    await page.waitForSelector('#problem:not([hidden])');
    assert.match(await page.locator('#problem').innerText(), /That password does not open your keys/);
    assert.equal(
      (await sys.store.listVaultGrantsOfGroups([(await sys.store.findGroupByDisplayName('Engineering'))!.id]))
        .length,
      0,
    );
    await assertAccessible(page, 'a vault page');

    await page.getByLabel('Your password').fill(OWNER_PASSWORD);
    await page.getByLabel('Your password').press('Enter');
    await page.waitForSelector('text=Granted: its members open the vault');
    assert.deepEqual((await grantRows()).sort(), ['Engineering: view', 'Team Members: manage']);
    await screenshot(page, shots, 'console-vault-access');
    assert.deepEqual(await cyOpens(), { 'Team handbook': ['Engineering', 'Team Members'] });
    const entry = (await sys.store.listActivity({ limit: 5 })).find((e) => e.action === 'vault.granted');
    assert.equal(entry?.detail.by, 'owner@example.com');
  });

  test('a permission changes with a plain form; lowering the last manager is refused beside its field (P18)', async () => {
    await grantedTo('Team handbook');
    const vaultId = new URL(page.url()).pathname.split('/').pop()!;
    const before = (await sys.store.listVaultGrants(vaultId)).map((grant) => [
      grant.groupId,
      grant.permission,
    ]);
    await page.getByLabel('Permission of Team Members', { exact: true }).selectOption('view');
    await page.getByRole('button', { name: 'Save the permission of Team Members' }).click();
    await page.waitForSelector('.field-error');
    const field = page.getByLabel('Permission of Team Members', { exact: true });
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    const errorId = (await field.getAttribute('aria-describedby'))!;
    assert.match(
      await page.locator(`#${errorId}`).innerText(),
      /Team Members is the only group that manages Team handbook: give another group manage first/,
    );
    assert.equal(await field.inputValue(), 'manage', 'the page shows what is stored');
    await assertAccessible(page, 'a vault page refusing a permission change');
    await screenshot(page, shots, 'console-vault-permission-refused');
    assert.deepEqual(
      (await sys.store.listVaultGrants(vaultId)).map((grant) => [grant.groupId, grant.permission]),
      before,
    );

    await page.getByLabel('Permission of Engineering', { exact: true }).selectOption('manage');
    await page.getByRole('button', { name: 'Save the permission of Engineering' }).click();
    await page.waitForSelector('text=Permission changed.');
    assert.deepEqual((await grantRows()).sort(), ['Engineering: manage', 'Team Members: manage']);
    const entry = (await sys.store.listActivity({ limit: 5 })).find(
      (e) => e.action === 'vault.permission_changed',
    );
    assert.deepEqual(
      [entry?.detail.by, entry?.detail.group, entry?.detail.from, entry?.detail.to],
      ['owner@example.com', 'Engineering', 'view', 'manage'],
    );
    await groupPageOf('Engineering');
    assert.match(await page.locator('main').innerText(), /Team handbook: manage/);
  });

  test('revoking takes one group away, never the last; a missing form token changes nothing', async () => {
    await grantedTo('Team handbook');
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const vaultId = new URL(page.url()).pathname.split('/').pop()!;
    const teamMembers = (await sys.store.findGroupByKind('team_members'))!;
    const noToken = await postFromPage(page, `/vaults/${vaultId}/grants`, {
      groupId: teamMembers.id,
      sealedVaultKey: 'sbs1.a.b.c',
    });
    assert.equal(noToken.status, 403);
    const again = await postFromPage(page, `/vaults/${vaultId}/grants`, {
      csrf,
      groupId: teamMembers.id,
      sealedVaultKey: 'sbs1.a.b.c',
      permission: 'view',
    });
    assert.equal(again.status, 400);
    assert.match(again.text, /opens Team handbook already/);

    await page.getByRole('button', { name: 'Revoke Engineering' }).click();
    await page.waitForSelector('text=Revoked: the group no longer opens the vault.');
    assert.deepEqual(await cyOpens(), { 'Team handbook': ['Team Members'] });
    await page.getByRole('button', { name: 'Revoke Team Members' }).click();
    await page.waitForSelector('#revoke-problem');
    assert.match(
      await page.locator('#revoke-problem').innerText(),
      /the only group that opens Team handbook/,
    );
    await assertAccessible(page, 'a vault page refusing a revocation');
    assert.deepEqual(await cyOpens(), { 'Team handbook': ['Team Members'] });
  });

  test('a vault opened only by groups the administrator is not in cannot be granted on from here', async () => {
    await page.goto(`${sys.system.accountAddress}/vaults`);
    await page.getByLabel('Name', { exact: true }).fill('Build secrets');
    await page.getByLabel('Engineering').check();
    await page.getByRole('button', { name: 'Create vault' }).click();
    await page.waitForSelector('text=Vault created.');
    assert.deepEqual(await cyOpens(), {
      'Build secrets': ['Engineering'],
      'Team handbook': ['Team Members'],
    });
    await grantedTo('Build secrets');
    assert.match(
      await page.locator('#grant-problem').innerText(),
      /You are a member of no group that opens Build secrets \(Engineering\)/,
    );
    assert.equal(await page.locator('#vault-grant-form').count(), 0);
  });
});

async function groupPageOf(name: string): Promise<string> {
  const id = (await sys.store.findGroupByDisplayName(name))!.id;
  await page.goto(`${sys.system.accountAddress}/groups/${id}`);
  await page.waitForSelector(`h1:has-text("${name}")`);
  return id;
}

async function membersOf(groupId: string): Promise<string[]> {
  return (await sys.store.listGroupMembers(groupId, { limit: 100 })).map((member) => member.id).sort();
}

describe('the console: changing the members of a custom group', () => {
  test('a person is added to and removed from a custom group without a key pair', async () => {
    await page.goto(`${sys.system.accountAddress}/groups`);
    await page.getByLabel('Name', { exact: true }).fill('Release crew');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForSelector('text=Group created.');
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByLabel('Add a person (their e-mail address)').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForSelector('#problem-members');
    assert.match(
      await page.locator('#problem-members').innerText(),
      /Nobody on this account has the address nobody@example\.com/,
    );
    assert.equal(
      await page.getByLabel('Add a person (their e-mail address)').inputValue(),
      'nobody@example.com',
    );
    await assertAccessible(page, 'a group page refusing an addition');
    await page.getByLabel('Add a person (their e-mail address)').fill('ana@example.com');
    await page.getByLabel('Add a person (their e-mail address)').press('Enter');
    await page.waitForSelector('text=Added.');
    assert.deepEqual(await membersOf(id), [ana]);
    await screenshot(page, shots, 'console-group-members');
    await page.getByRole('button', { name: 'Remove Ana Alves' }).click();
    await page.waitForSelector("text=Removed: they no longer open the group's vaults.");
    assert.deepEqual(await membersOf(id), []);
    const entry = (await sys.store.listActivity({ limit: 5, targetId: id })).find(
      (e) => e.action === 'group.members_changed',
    );
    assert.equal(entry?.detail.by, 'owner@example.com');
  });

  test('the IdP’s groups and Provision Managers are refused, and nothing changes', async () => {
    const eng = await groupPageOf('Engineering');
    assert.match(
      await page.locator('main').innerText(),
      /The IdP manages this group: change its members in the IdP/,
    );
    assert.equal(await page.getByLabel('Add a person (their e-mail address)').count(), 0);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const before = await membersOf(eng);
    const forged = await page.evaluate(
      async ([url, csrf]) => {
        const response = await fetch(url as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: csrf as string, email: 'ana@example.com' }).toString(),
        });
        return { status: response.status, text: await response.text() };
      },
      [`/groups/${eng}/members`, csrf] as const,
    );
    assert.equal(forged.status, 409);
    assert.match(forged.text, /The IdP manages Engineering: change its members in the IdP/);
    assert.deepEqual(await membersOf(eng), before);
    const managers = (await sys.store.findGroupByKind('provision_managers'))!.id;
    const protectedGroup = await page.evaluate(
      async ([url, csrf]) => {
        const response = await fetch(url as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: csrf as string, email: 'ana@example.com' }).toString(),
        });
        return { status: response.status, text: await response.text() };
      },
      [`/groups/${managers}/members`, csrf] as const,
    );
    assert.equal(protectedGroup.status, 409);
    assert.match(protectedGroup.text, /Provision Managers belongs to the provisioning integration/);
    assert.deepEqual(await membersOf(managers), []);
  });

  test('a confirmed person added to a keyed group gets its key from an administrator who holds it, and opens its vault', async () => {
    // Engineering leaves the managed-groups list: from now on it is the administrators' to change.
    const eng = await groupPageOf('Engineering');
    await page.getByRole('button', { name: 'Take off the managed-groups list' }).click();
    await page.waitForSelector('text=The group is off the managed-groups list');
    // The owner does not hold Engineering's key: the step names it and changes nothing.
    await page.getByLabel('Add a person (their e-mail address)').fill('ana@example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForSelector('#key-problem');
    assert.match(await page.locator('#key-problem').innerText(), /you do not hold the key of Engineering/);
    assert.ok(!(await membersOf(eng)).includes(ana));

    // Cy, a member of Engineering, is made an administrator (as the CLI would) and adds Ana.
    const administrators = (await sys.store.findGroupByKind('administrators'))!.id;
    await sys.store.addGroupMembers(administrators, [cy]);
    const cyContext = await browser.newContext();
    try {
      const cyPage = await cyContext.newPage();
      await cyPage.goto(`${sys.system.accountAddress}/`);
      await consoleSignIn(cyPage, 'cy@example.com', CY_PASSWORD);
      await cyPage.goto(`${sys.system.accountAddress}/groups/${eng}`);
      await cyPage.getByLabel('Add a person (their e-mail address)').fill('ana@example.com');
      await cyPage.getByRole('button', { name: 'Add', exact: true }).click();
      await cyPage.waitForSelector('h1:has-text("Add ana@example.com to Engineering")');
      await assertAccessible(cyPage, 'the group key step');
      await cyPage.getByLabel('Your password').fill('not cy’s password');
      await cyPage.getByRole('button', { name: 'Add ana@example.com' }).click();
      await cyPage.waitForSelector('#problem:not([hidden])');
      assert.match(await cyPage.locator('#problem').innerText(), /That password does not open your keys/);
      assert.ok(!(await membersOf(eng)).includes(ana));
      await cyPage.getByLabel('Your password').fill(CY_PASSWORD);
      await cyPage.getByRole('button', { name: 'Add ana@example.com' }).click();
      await cyPage.waitForSelector('text=Added, with the group key');
      assert.ok((await membersOf(eng)).includes(ana));
      const opened = await openVaults((await readMemberKeyRing(sys.store, ana))!, ANA_PASSWORD);
      assert.deepEqual(opened.map((vault) => vault.name).sort(), ['Build secrets', 'Team handbook']);

      // Cy holds Engineering's key too, so Cy can confirm Bo, whom the owner could not.
      await cyPage.goto(`${sys.system.accountAddress}/people/${bo}/confirm`);
      await cyPage.getByLabel('Your password').fill(CY_PASSWORD);
      await cyPage.getByRole('button', { name: 'Confirm Bo Berg' }).click();
      await cyPage.waitForSelector('text=Confirmed: they hold their groups');
      assert.equal(await readyMails('bo@example.com'), 1);
      const boOpens = await openVaults((await readMemberKeyRing(sys.store, bo))!, BO_PASSWORD);
      assert.deepEqual(boOpens.map((vault) => vault.name).sort(), ['Build secrets', 'Team handbook']);
    } finally {
      await cyContext.close();
    }
  });
});

describe('the console: giving a managed group’s key back to the bridge', () => {
  /** The group key the bridge would open: the stored seal, opened with the provisioning key of the session file. */
  async function openedByBridge(groupId: string): Promise<boolean> {
    const [key] = await sys.store.getGroupKeys([groupId]);
    if (!key?.sealedForProvisioning) return false;
    const parsed = parseToken(sys.token);
    assert.ok(parsed.ok);
    const file = JSON.parse(await readFile(path.join(sys.dataDir, 'scimsession'), 'utf8')) as SessionFile;
    const secrets = await openSession(file, parsed.token.bytes);
    assert.ok(secrets, 'the token opens the session file');
    const integration = (await sys.store.getIntegration())!;
    const bytes = await openGroupPrivateKey(
      groupId,
      key.sealedForProvisioning,
      await importPrivateKey('X25519', secrets.provisioningPrivateKey),
      { id: PROVISIONING_RECIPIENT, publicKey: integration.provisioningPublicKey },
    );
    return bytes.length > 0;
  }

  test('back on the managed list, an administrator who holds the key gives it; one who does not is told who can', async () => {
    // Engineering left the managed list above, which took the bridge's copy of its key away.
    const eng = await groupPageOf('Engineering');
    assert.equal((await sys.store.getGroupKeys([eng]))[0]!.sealedForProvisioning, null);
    await page.getByRole('button', { name: 'Put on the managed-groups list' }).click();
    await page.waitForSelector('text=The group is on the managed-groups list');
    // The owner does not hold Engineering's key: no form, and the page names who holds it.
    const problem = await page.locator('#bridge-key-problem').innerText();
    assert.match(problem, /does not hold the key of Engineering/);
    assert.match(problem, /Administrators who hold it: Cy Chen/);
    assert.equal(await page.locator('#bridge-key-form').count(), 0);
    await assertAccessible(page, 'the group page without the key');
    await screenshot(page, shots, 'console-group-bridge-key-refused');

    const cyContext = await browser.newContext();
    try {
      const cyPage = await cyContext.newPage();
      await cyPage.goto(`${sys.system.accountAddress}/`);
      await consoleSignIn(cyPage, 'cy@example.com', CY_PASSWORD);
      await cyPage.goto(`${sys.system.accountAddress}/groups/${eng}`);
      await cyPage.waitForSelector('#bridge-key-form');
      assert.match(
        await cyPage.locator('main').innerText(),
        /The bridge does not hold the key of Engineering/,
      );
      await assertAccessible(cyPage, 'the group page offering the key');
      await screenshot(cyPage, shots, 'console-group-bridge-key');

      await cyPage.getByLabel('Your password').fill('not cy’s password');
      await cyPage.getByRole('button', { name: 'Give the key to the bridge' }).click();
      await cyPage.waitForSelector('#problem:not([hidden])');
      assert.match(await cyPage.locator('#problem').innerText(), /That password does not open your keys/);
      await assertAccessible(cyPage, 'the group page with its error');
      assert.equal((await sys.store.getGroupKeys([eng]))[0]!.sealedForProvisioning, null);

      // Without the form token, or as a plain form post, the account takes nothing.
      const form = cyPage.locator('#bridge-key-form');
      const forged = {
        groupPublicKey: await form.getAttribute('data-group-public-key'),
        provisioningPublicKey: await form.getAttribute('data-provisioning-public-key'),
        sealedForProvisioning: `sbs1.${'A'.repeat(43)}.${'A'.repeat(16)}.${'A'.repeat(86)}`,
      };
      assert.equal((await postFromPage(cyPage, `/groups/${eng}/give-key`, forged)).status, 403);
      assert.equal((await sys.store.getGroupKeys([eng]))[0]!.sealedForProvisioning, null);

      await cyPage.getByLabel('Your password').fill(CY_PASSWORD);
      await cyPage.getByRole('button', { name: 'Give the key to the bridge' }).click();
      await cyPage.waitForSelector('text=The bridge holds the key again');
      assert.match(
        await cyPage.locator('#bridge-key-held').innerText(),
        /The bridge holds the key of Engineering/,
      );
      assert.equal(await cyPage.locator('#bridge-key-form').count(), 0);
      await screenshot(cyPage, shots, 'console-group-bridge-key-given');
      assert.ok(await openedByBridge(eng), 'the stored seal opens with the provisioning key');
      // Signed out, so the password change below counts only the sessions it expects.
      await cyPage.getByRole('button', { name: 'Sign out' }).click();
      await cyPage.waitForSelector('h1:has-text("Sign in to the console")');
    } finally {
      await cyContext.close();
    }
  });
});

describe("the console: changing one's own password", () => {
  const CY_NEW_PASSWORD = 'cy picks a new long password';

  test('wrong current password, forged and scriptless posts change nothing; a change signs out the other browser, and the new password opens the same vaults', async () => {
    const sealedBefore = (await sys.store.getMemberKeys(cy))!.encryptedPrivateKey;
    const here = await browser.newContext();
    const elsewhere = await browser.newContext();
    const scriptless = await browser.newContext({ javaScriptEnabled: false });
    try {
      const cyPage = await here.newPage();
      const otherPage = await elsewhere.newPage();
      for (const target of [cyPage, otherPage]) {
        await target.goto(`${sys.system.accountAddress}/`);
        await consoleSignIn(target, 'cy@example.com', CY_PASSWORD);
        assert.equal(await target.locator('h1').innerText(), 'Overview');
      }
      await cyPage.getByRole('link', { name: /your account and password/ }).click();
      await cyPage.waitForSelector('h1:has-text("Your account")');
      assert.equal(await cyPage.locator('.needs-script').isVisible(), false);
      await assertAccessible(cyPage, 'the account page');
      await screenshot(cyPage, shots, 'console-account-password');

      // Without the script the page says so, and a form post changes nothing.
      await scriptless.addCookies(await here.cookies());
      const bare = await scriptless.newPage();
      await bare.goto(`${sys.system.accountAddress}/account`);
      assert.match(await bare.locator('.needs-script').innerText(), /turn on JavaScript/);
      await bare.getByRole('button', { name: 'Change password' }).click();
      await bare.waitForSelector('h1:has-text("Not done")');
      assert.match(await bare.locator('main').innerText(), /Changing your password needs the page's script/);

      // Problems beside their fields; nothing is sent.
      const fill = async (current: string, next: string, again = next) => {
        await cyPage.getByLabel('Current password').fill(current);
        await cyPage.getByLabel('New password', { exact: true }).fill(next);
        await cyPage.getByLabel('New password again').fill(again);
        await cyPage.getByRole('button', { name: 'Change password' }).click();
      };
      await fill(CY_PASSWORD, CY_NEW_PASSWORD, 'something else entirely');
      assert.match(await cyPage.locator('#new-password-confirm-error').innerText(), /not the same/);
      assert.equal(await cyPage.getByLabel('New password again').getAttribute('aria-invalid'), 'true');
      await fill('not cy’s password', CY_NEW_PASSWORD);
      await cyPage.waitForSelector('#current-password-error:not([hidden])');
      assert.match(await cyPage.locator('#current-password-error').innerText(), /not your current password/);
      assert.equal(await cyPage.getByLabel('Current password').getAttribute('aria-invalid'), 'true');
      await assertAccessible(cyPage, 'the account page with a field error');
      await screenshot(cyPage, shots, 'console-account-password-wrong');

      // A post that skips the browser's check: the server refuses a wrong proof, and a post without the form token.
      const csrf = await cyPage.locator('#password-form input[name="csrf"]').inputValue();
      const forgedBody = {
        publicKey: (await sys.store.getMemberKeys(cy))!.publicKey,
        currentProof: 'B'.repeat(43),
        encryptedPrivateKey: `sbk1.1000.${'A'.repeat(22)}.${'A'.repeat(16)}.${'A'.repeat(86)}`,
        proof: 'C'.repeat(43),
        proofSalt: 'D'.repeat(22),
        proofIterations: 1000,
      };
      const forged = await postFromPage(cyPage, '/account/password', { csrf, ...forgedBody });
      assert.equal(forged.status, 401, forged.text);
      assert.deepEqual(JSON.parse(forged.text).field, 'current-password');
      assert.equal((await postFromPage(cyPage, '/account/password', forgedBody)).status, 403);
      assert.equal((await sys.store.getMemberKeys(cy))!.encryptedPrivateKey, sealedBefore);

      await fill(CY_PASSWORD, CY_NEW_PASSWORD);
      await cyPage.waitForSelector('text=Your password is changed.');
      // The other browser's session, and Cy's earlier one from the test above.
      const ended = /(\d+) other sessions? (?:was|were) signed out/.exec(
        await cyPage.locator('p.done').innerText(),
      );
      assert.equal(Number(ended?.[1]), 2);
      await assertAccessible(cyPage, 'the account page after a change');
      await screenshot(cyPage, shots, 'console-account-password-changed');

      // The other browser is sent to sign-in on its next request; this one goes on.
      await otherPage.goto(`${sys.system.accountAddress}/people`);
      assert.equal(await otherPage.locator('h1').innerText(), 'Sign in to the console');
      await cyPage.goto(`${sys.system.accountAddress}/people`);
      assert.equal(await cyPage.locator('h1').innerText(), 'People');

      // The same key pair under the new password: the same vaults open; the old password opens nothing.
      const opened = await openVaults((await readMemberKeyRing(sys.store, cy))!, CY_NEW_PASSWORD);
      assert.deepEqual(opened.map((vault) => vault.name).sort(), ['Build secrets', 'Team handbook']);
      await consoleSignIn(otherPage, 'cy@example.com', CY_PASSWORD);
      assert.match(await otherPage.locator('#problem').innerText(), /not right/);
      await consoleSignIn(otherPage, 'cy@example.com', CY_NEW_PASSWORD);
      assert.equal(await otherPage.locator('h1').innerText(), 'Overview');
      const entry = (await sys.store.listActivity({ limit: 5, targetId: cy })).find(
        (e) => e.action === 'member.password_changed',
      );
      assert.deepEqual(entry?.detail, { by: 'cy@example.com', otherSessionsEnded: 2 });
    } finally {
      await scriptless.close();
      await elsewhere.close();
      await here.close();
    }
  });
});
