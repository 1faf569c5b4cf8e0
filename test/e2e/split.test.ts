// biome-ignore-all lint/performance/useDomNodeTextContent: the test reads the status page as a person sees it, laid out
/**
 * The production shape: `scimbridge account serve` and `scimbridge bridge serve` as two real
 * processes on loopback, the bridge reaching the account only over the account API.
 * Credentials are regenerated (P2), provisioning turned off and on (P3), the firewall
 * blocks and allows the bridge (P4), and the account server is killed under load and
 * restarted (P22). After each step the bridge's status page (P6), signed in with the bearer
 * token in one real Chromium, must show the state of the account connection, provisioning and
 * credentials in words, with what to do.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { type CliProcess, freePort, runCli, spawnCli } from '../support/processes.ts';
import { signIn, waitForParts } from '../support/status-page.ts';
import { USER_SCHEMA } from '../support/system.ts';

let work: string;
let accountDir: string;
let bridgeDir: string;
let accountPort: number;
let accountUrl: string;
let account: CliProcess;
let bridge: CliProcess;
let scimUrl: string;
let bridgeAddress: string;
let token: string;
let browser: Browser;
/** The operator's tab on the bridge's status page, signed in once and reloaded after each step. */
let statusPage: Page;
const sessionPath = () => path.join(bridgeDir, 'scimsession');

const accountEnv = () => ({ SCIMBRIDGE_DATA_DIR: accountDir });

function startAccount(): CliProcess {
  return spawnCli(['account', 'serve', '--console-port', String(accountPort)], accountEnv());
}

/** `provisioning setup` as an operator runs it; hands the bridge the new session file (atomic rename). */
async function regenerate(): Promise<string> {
  const tokenFile = path.join(work, 'token');
  const result = await runCli(
    ['provisioning', 'setup', '--token-out', tokenFile, '--account-url', accountUrl],
    accountEnv(),
  );
  assert.equal(result.code, 0, result.output);
  return (await readFile(tokenFile, 'utf8')).trim();
}

async function giveBridgeNewSession(): Promise<void> {
  const staged = `${sessionPath()}.new`;
  await copyFile(path.join(accountDir, 'scimsession'), staged);
  await rename(staged, sessionPath());
}

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read bodies freely
  body: any;
}

async function scim(
  method: string,
  pathAndQuery: string,
  body?: unknown,
  bearer = token,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${scimUrl}${pathAndQuery}`, {
    method,
    headers: {
      ...extraHeaders,
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

const user = (name: string) => ({
  schemas: [USER_SCHEMA],
  userName: `${name}@example.com`,
  emails: [{ value: `${name}@example.com`, primary: true, type: 'work' }],
  active: true,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the operator sees on the status page once the step has settled. */
const pageShows = (expected: Parameters<typeof waitForParts>[2], timeoutMs?: number) =>
  waitForParts(statusPage, `${bridgeAddress}/`, expected, timeoutMs);

/** The status page, reloaded until its session has ended with `reason` on the sign-in form. */
async function signedOutWith(reason: RegExp): Promise<void> {
  const deadline = Date.now() + 8000;
  for (;;) {
    await statusPage.goto(`${bridgeAddress}/`);
    const alert = statusPage.getByRole('alert');
    if ((await alert.count()) > 0 && reason.test(await alert.innerText())) return;
    if (Date.now() > deadline) assert.fail(`the status page did not end its session with ${reason}`);
    await sleep(200);
  }
}

const ALL_OK = {
  account: /OK: Connected/,
  provisioning: /OK: On/,
  credentials: /OK: Valid/,
} as const;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'scimbridge-split-'));
  accountDir = path.join(work, 'account');
  bridgeDir = path.join(work, 'bridge');
  accountPort = await freePort();
  accountUrl = `http://127.0.0.1:${accountPort}`;
  account = startAccount();
  await account.waitFor(/account server is running/);
  token = await regenerate();
  await rm(bridgeDir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(bridgeDir, { recursive: true }));
  await giveBridgeNewSession();
  // The bridge gets no database and no account data folder: only its session file.
  bridge = spawnCli(['bridge', 'serve', '--session', sessionPath(), '--bridge-port', '0'], {
    SCIMBRIDGE_DATA_DIR: path.join(work, 'nothing-here'),
  });
  const started = await bridge.waitFor(/bridge is running at/);
  bridgeAddress = /running at (\S+)/.exec(started)![1]!;
  scimUrl = `${bridgeAddress}/scim/v2`;
  browser = await launchChromium();
  statusPage = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await Promise.all([bridge?.stop(), account?.stop()]);
  await rm(work, { recursive: true, force: true });
});

describe('account server and bridge as two processes', () => {
  test('both answer /ping, and SCIM works through the bridge', async () => {
    assert.equal(await (await fetch(`${accountUrl}/ping`)).text(), 'pong');
    assert.equal(await (await fetch(scimUrl.replace('/scim/v2', '/ping'))).text(), 'pong');
    const created = await scim('POST', '/Users', user('ada'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Analysts',
      members: [{ value: created.body.id }],
    });
    assert.equal(group.status, 201);
    const found = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ADA@example.com"')}`);
    assert.equal(found.body.totalResults, 1);
    assert.deepEqual(
      found.body.Resources[0].groups.map((g: { value: string }) => g.value),
      [group.body.id],
    );
    const duplicate = await scim('POST', '/Users', user('ada'));
    assert.deepEqual([duplicate.status, duplicate.body.scimType], [409, 'uniqueness']);
    await bridge.waitFor(/signed in to the account API/);
  });

  test("a monitoring token made with the CLI opens the bridge's /health and /metrics, and not SCIM", async () => {
    const tokenFile = path.join(work, 'monitoring-token');
    const made = await runCli(
      ['monitoring', 'token', 'create', '--label', 'prometheus', '--token-out', tokenFile],
      accountEnv(),
    );
    assert.equal(made.code, 0, made.output);
    const monitoring = (await readFile(tokenFile, 'utf8')).trim();
    const read = (urlPath: string, bearer: string) =>
      fetch(`${bridgeAddress}${urlPath}`, { headers: { authorization: `Bearer ${bearer}` } });
    const health = await read('/health', monitoring);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).parts.account.status, 'ok');
    assert.equal((await read('/metrics', monitoring)).status, 200);
    assert.equal((await scim('GET', '/Users', undefined, monitoring)).status, 401);
    assert.equal((await read('/logs', monitoring)).status, 401);
  });

  test('Entra and Okta deactivation PATCHes answer as the read-patch-write path does', async () => {
    // The second user of each pair gets the same change in a shape that still takes the
    // read-patch-write path (a no-path value holding only `schemas`, ignored by the engine).
    const echo = { op: 'replace', value: { schemas: [USER_SCHEMA] } };
    const forms = [
      { name: 'entra', ops: [{ op: 'Replace', path: 'active', value: 'False' }], pin: true },
      { name: 'okta', ops: [{ op: 'replace', value: { active: false } }], pin: false },
    ];
    for (const form of forms) {
      const answers = [];
      for (const ops of [form.ops, [...form.ops, echo]]) {
        const created = await scim('POST', '/Users', user(`${form.name}-${answers.length}`));
        const patched = await scim(
          'PATCH',
          `/Users/${created.body.id}`,
          { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops },
          undefined,
          form.pin ? { 'if-match': created.headers.get('etag')! } : {},
        );
        const again = await scim('PATCH', `/Users/${created.body.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: ops,
        });
        // A user with no name sent is named by their userName, which differs per user.
        const { id, userName, emails, name, meta, ...rest } = patched.body;
        assert.deepEqual(name, { formatted: userName });
        answers.push({
          status: patched.status,
          etag: patched.headers.get('etag'),
          location: patched.headers.get('location') === `${scimUrl}/Users/${id}`,
          rest,
          version: meta.version,
          again: [again.status, again.headers.get('etag'), again.body.active],
        });
      }
      assert.deepEqual(answers[0], answers[1], form.name);
      assert.deepEqual(
        [answers[0]!.status, answers[0]!.rest.active, answers[0]!.etag],
        [200, false, 'W/"2"'],
      );
    }
  });

  test('the status page signs in with the bearer token and shows every part OK', async () => {
    await statusPage.goto(`${bridgeAddress}/`);
    await signIn(statusPage, token);
    const texts = await pageShows(ALL_OK);
    assert.doesNotMatch(texts.credentials, /What to do/);
    assert.match(await statusPage.getByRole('status').innerText(), /Everything is OK/);
  });

  test('regenerated credentials: the old token is refused as revoked; the new one works once the session file is replaced', async () => {
    const oldToken = token;
    token = await regenerate();
    // Another process changed the integration: the account server applies it within its one-second cache.
    await sleep(1100);
    const revoked = await scim('POST', '/Users', user('grace'), oldToken);
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.detail, /revoked/);
    await bridge.waitFor(/"msg":"credentials revoked/);
    // The page session opened with the old token ends (issue 12); the sign-in page says why.
    await signedOutWith(/These credentials were revoked/);
    for (const secret of [oldToken, token]) assert.ok(!(await statusPage.content()).includes(secret));

    await giveBridgeNewSession();
    // The old token no longer opens the page; the new one does, and switches the bridge.
    await signIn(statusPage, oldToken);
    assert.match(await statusPage.getByRole('alert').innerText(), /does not open this bridge's session file/);
    await signIn(statusPage, token);
    await pageShows(ALL_OK);

    const created = await scim('POST', '/Users', user('grace'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const stale = await scim('GET', '/Users', undefined, oldToken);
    assert.equal(stale.status, 401);
    assert.match(stale.body.detail, /does not match this bridge's session file/);
  });

  test('provisioning off refuses every IdP request with a SCIM error that says so; setup turns it on again', async () => {
    const off = await runCli(['provisioning', 'deactivate'], accountEnv());
    assert.equal(off.code, 0, off.output);
    await sleep(1100);
    const refused = await scim('GET', '/Users');
    assert.equal(refused.status, 403);
    assert.match(refused.body.detail, /provisioning is turned off/);
    await bridge.waitFor(/provisioning is turned off/);
    await signedOutWith(/Provisioning is turned off in the account[\s\S]*scimbridge provisioning setup/);

    token = await regenerate();
    await giveBridgeNewSession();
    assert.equal((await scim('GET', '/Users')).status, 200);
    await signIn(statusPage, token);
    await pageShows(ALL_OK);
  });

  test('a firewall rule blocks the bridge by address and rule; removing it lets it back in', async () => {
    const denied = await runCli(['firewall', 'deny', '127.0.0.0/8', '--note', 'test'], accountEnv());
    assert.equal(denied.code, 0, denied.output);
    const ruleId = /Added: (\S+)/.exec(denied.output)![1]!;
    await sleep(1200); // the account reads rules at most once a second
    const blocked = await scim('GET', '/Users');
    assert.equal(blocked.status, 503);
    assert.ok(blocked.headers.get('retry-after'));
    assert.match(blocked.body.detail, /127\.0\.0\.1/);
    assert.ok(blocked.body.detail.includes(ruleId));
    const logged = await bridge.waitFor(/firewall blocked the bridge/);
    assert.match(logged, /127\.0\.0\.1/);
    const blockedPage = await pageShows({
      account: [/Problem: Blocked by firewall/, /127\.0\.0\.1/, /deny 127\.0\.0\.0\/8/, /allow rule/],
    });
    assert.ok(blockedPage.account.includes(ruleId), 'the page names the rule by its id');

    const check = await runCli(['firewall', 'check', '127.0.0.1'], accountEnv());
    assert.match(check.output, /blocked by the firewall rule "deny 127\.0\.0\.0\/8"/);
    const removed = await runCli(['firewall', 'remove', ruleId], accountEnv());
    assert.equal(removed.code, 0, removed.output);
    await sleep(1200);
    assert.equal((await scim('GET', '/Users')).status, 200);
    await bridge.waitFor(/account connection restored/);
    await pageShows(ALL_OK);
  });

  test('the account server killed under load: the bridge answers 503 meanwhile, and afterwards every user exists exactly once', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `load${i}`);
    let provisioned = 0;
    let unavailable = 0;
    let retryAfterSeen = false;
    /** An IdP: retries 503 and network errors; a 409 means an earlier attempt landed. */
    const provision = async (name: string) => {
      for (let attempt = 0; attempt < 400; attempt++) {
        const answer = await scim('POST', '/Users', user(name)).catch(() => undefined);
        if (answer?.status === 201 || answer?.status === 409) {
          provisioned++;
          return;
        }
        if (answer?.status === 503) {
          unavailable++;
          if (answer.headers.get('retry-after')) retryAfterSeen = true;
        } else if (answer) assert.fail(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
        await sleep(100);
      }
      assert.fail(`${name} was never provisioned`);
    };
    const load = (async () => {
      for (let i = 0; i < names.length; i += 4) await Promise.all(names.slice(i, i + 4).map(provision));
    })();
    let loadEnded = false;
    const ended = () => {
      loadEnded = true;
    };
    load.then(ended, ended);
    // Kill it mid-load: once some users are in, with most still to come.
    while (provisioned < 20 && !loadEnded) await sleep(10);
    if (loadEnded) await load; // a load that failed early says why
    await account.stop('SIGKILL');
    assert.ok(provisioned < names.length, 'the load was still running when the account server died');
    await sleep(1000);
    const during = await scim('GET', '/Users');
    assert.equal(during.status, 503);
    assert.match(during.body.detail, /cannot reach the account server/);
    await pageShows({
      account: [
        /Problem: Unreachable/,
        /ECONNREFUSED/,
        /What to do: Check that the account server is running/,
      ],
      provisioning: /Unknown: Not checked/,
    });
    account = startAccount();
    await account.waitFor(/account server is running/);
    await load;
    assert.ok(unavailable > 0 && retryAfterSeen);
    await bridge.waitFor(/account server unreachable/);

    const all = await scim('GET', `/Users?count=1000&filter=${encodeURIComponent('userName sw "load"')}`);
    const userNames = all.body.Resources.map((r: { userName: string }) => r.userName).sort();
    assert.deepEqual(userNames, names.map((name) => `${name}@example.com`).sort());
    await pageShows(ALL_OK);
  });
});
