/**
 * Monitoring tokens (P7) on a bridge that runs apart from the account server: the account
 * server and a bridge started as `account serve` and `bridge serve` start them, in one test
 * process but talking only over the account API. A token made as `scimbridge monitoring
 * token create` makes it opens the separate bridge's /health and /metrics and nothing else;
 * revoked, it stops working once the bridge's cache time has passed; guesses past the
 * failed-token limit never reach the account; and the bridge's own SCIMBRIDGE_MONITOR_TOKEN
 * works while the account server is down.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AccountClient } from '../../src/account/client.ts';
import {
  createMonitoringToken,
  generateMonitoringToken,
  revokeMonitoringToken,
} from '../../src/account/monitoring-tokens.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import {
  type RunningAccount,
  type RunningBridge,
  startAccountService,
  startBridgeService,
} from '../../src/main.ts';
import { loggerInto } from '../support/log-lines.ts';
import { assertNoSecretLogged } from '../support/system.ts';

/** Shortened for the test; the default is 30 s. */
const CACHE_MS = 5_000;

describe('monitoring tokens on a separate bridge', () => {
  let work: string;
  let account: RunningAccount;
  let accountRunning = true;
  let bridge: RunningBridge;
  let bearer: string;
  /** The bridge's own SCIMBRIDGE_MONITOR_TOKEN. */
  const local = generateMonitoringToken();
  const accountLog: string[] = [];
  const bridgeLog: string[] = [];
  const secrets = new Set<string>([local]);
  /** The bridge's clock runs ahead by this much: the cache time and the failure window pass without waiting. */
  let ahead = 0;
  const clock: Clock = { now: () => new Date(Date.now() + ahead) };
  /** How often the bridge asked the account about a monitoring token. */
  let asked = 0;

  const get = (urlPath: string, token?: string) =>
    fetch(`${bridge.address}${urlPath}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  const statusOf = async (urlPath: string, token?: string) => {
    const response = await get(urlPath, token);
    await response.arrayBuffer();
    return response.status;
  };
  /** As `scimbridge monitoring token create` makes one: the account's use case over its store. */
  const createToken = async (label: string) => {
    const created = await createMonitoringToken(account.deps, label);
    secrets.add(created.token);
    secrets.add(created.token.slice(4));
    return created;
  };
  const bridgeLines = (pattern: RegExp) => bridgeLog.filter((line) => pattern.test(line));

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'scimbridge-split-monitoring-'));
    const accountDir = path.join(work, 'account');
    const bridgeDir = path.join(work, 'bridge');
    await mkdir(bridgeDir, { recursive: true });
    account = await startAccountService(
      loadConfig({ SCIMBRIDGE_DATA_DIR: accountDir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
      { logger: loggerInto(accountLog) },
    );
    const credentials = await setupProvisioning(account.deps, { accountUrl: account.address });
    bearer = credentials.token;
    secrets.add(bearer);
    secrets.add(credentials.sessionFile.blob);
    const sessionPath = path.join(bridgeDir, 'scimsession');
    await writeFile(sessionPath, JSON.stringify(credentials.sessionFile), { mode: 0o600 });
    // The bridge has no database: only its session file and, here, its own monitoring token.
    bridge = await startBridgeService(
      loadConfig({
        SCIMBRIDGE_DATA_DIR: path.join(work, 'nothing-here'),
        SCIMBRIDGE_BRIDGE_PORT: '0',
        SCIMBRIDGE_SESSION: sessionPath,
        SCIMBRIDGE_MONITOR_TOKEN: local,
      }),
      {
        logger: loggerInto(bridgeLog),
        clock,
        monitoringCacheMs: CACHE_MS,
        wrapAccountClient: (client: AccountClient) => ({
          ...client,
          checkMonitoringToken: (token: string) => {
            asked++;
            return client.checkMonitoringToken(token);
          },
        }),
      },
    );
  });

  after(async () => {
    await bridge?.close();
    if (accountRunning) await account?.close();
    await rm(work, { recursive: true, force: true });
    assertNoSecretLogged([...accountLog, ...bridgeLog], secrets);
  });

  test('before the bridge has opened its session file, only its own token works, and it says why once', async () => {
    const { token } = await createToken('early');
    assert.equal(await statusOf('/health', local), 200);
    // Not "wrong": "cannot tell yet" (503, not counted against the address).
    for (let i = 0; i < 12; i++) assert.equal(await statusOf('/health', token), 503);
    assert.equal(await statusOf('/metrics', token), 503);
    const why = bridgeLines(/monitoring tokens cannot be checked with the account/);
    assert.equal(why.length, 1, why.join('\n'));
    assert.match(why[0]!, /session file/);
    assert.match(why[0]!, /SCIMBRIDGE_MONITOR_TOKEN/);
  });

  test('a token made with the CLI opens /health and /metrics once the bridge reaches the account', async () => {
    // The IdP's first request opens the session file, as in production.
    assert.equal(await statusOf('/scim/v2/Users?count=1', bearer), 200);
    const { token } = await createToken('prometheus');
    const health = await get('/health', token);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).parts.account.status, 'ok');
    const metrics = await get('/metrics', token);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^# HELP /m);
    assert.equal(bridgeLines(/monitoring tokens are checked with the account again/).length, 1);
  });

  test('a monitoring token opens neither SCIM, nor the log download, nor the status page', async () => {
    const { token } = await createToken('narrow');
    assert.equal(await statusOf('/health', token), 200);
    assert.equal(await statusOf('/scim/v2/Users', token), 401);
    assert.equal(await statusOf('/scim/v2/Groups', token), 401);
    assert.equal(await statusOf('/logs', token), 401);
    // The status page: its sign-in form does not take it, and the header does not sign in.
    const page = await get('/', token);
    assert.match(await page.text(), /<form[^>]*action="\/signin"/);
    const signIn = await fetch(`${bridge.address}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    await signIn.arrayBuffer();
    assert.equal(signIn.status, 401);
    assert.equal(signIn.headers.get('set-cookie'), null);
  });

  test('a revoked token stops working once the cache time has passed; refusals are not remembered', async () => {
    ahead += 61_000; // a fresh failed-token window for this address
    const { token, record } = await createToken('revoke-me');
    assert.equal(await statusOf('/health', token), 200);
    const askedBefore = asked;
    assert.equal(await statusOf('/metrics', token), 200);
    assert.equal(asked, askedBefore, 'a valid answer is remembered');

    assert.equal(await revokeMonitoringToken(account.deps, record.id), true);
    // Within the cache time the bridge still trusts its last answer (documented)…
    assert.equal(await statusOf('/health', token), 200);
    // …and after it asks again and hears "not valid".
    ahead += CACHE_MS + 1;
    assert.equal(await statusOf('/health', token), 401);
    assert.equal(await statusOf('/metrics', token), 401);
    assert.equal(asked, askedBefore + 2, 'each refusal asked the account: "not valid" is not remembered');
    // An unknown token is asked about every time too.
    const unknown = generateMonitoringToken();
    secrets.add(unknown);
    assert.equal(await statusOf('/health', unknown), 401);
    assert.equal(await statusOf('/health', unknown), 401);
    assert.equal(asked, askedBefore + 4);
  });

  test('past the failed-token limit, guesses reach no account; the local token still gets in', async () => {
    ahead += 61_000;
    const { token } = await createToken('late');
    const askedBefore = asked;
    for (let i = 0; i < 10; i++) {
      assert.equal(await statusOf('/health', `sbm_${String(i).padStart(43, 'x')}`), 401);
    }
    assert.equal(asked, askedBefore + 10);
    // Blocked now: a guess gets 429 without a question to the account — and so does a valid
    // token the bridge has not seen yet, until the window ends.
    assert.equal(await statusOf('/health', `sbm_${'y'.repeat(43)}`), 429);
    assert.equal(await statusOf('/health', token), 429);
    assert.equal(asked, askedBefore + 10);
    assert.equal(await statusOf('/health', local), 200);
    ahead += 61_000;
    assert.equal(await statusOf('/health', token), 200);
  });

  test('with the account server stopped, the local token still opens /health; others are refused, said once', async () => {
    ahead += 61_000;
    const { token } = await createToken('before-the-outage');
    assert.equal(await statusOf('/health', token), 200);
    await account.close();
    accountRunning = false;
    ahead += CACHE_MS + 1;

    assert.equal(await statusOf('/health', local), 200);
    assert.equal(await statusOf('/metrics', local), 200);
    assert.equal(await statusOf('/health', token), 503);
    assert.equal(await statusOf('/metrics', token), 503);
    const why = bridgeLines(/monitoring tokens cannot be checked with the account/);
    assert.equal(why.length, 2, why.join('\n')); // the session-file one, then this one
    assert.match(why[1]!, /cannot reach the account server/);
  });
});
