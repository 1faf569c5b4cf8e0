/**
 * The HTTP AccountClient on an injected clock, against a real account server: what it does
 * when time passes (session renewal, channel pauses, the batch hold, answers that came
 * along) without waiting for real time to pass.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  accountProxy,
  holdingAccountProxy,
  type ProxyArgs,
  unlockSession,
} from '../../test/support/account-client-fixture.ts';
import { loggerInto } from '../../test/support/log-lines.ts';
import { ManualTime } from '../../test/support/manual-time.ts';
import { loadConfig } from '../config.ts';
import { type RunningAccount, startAccountService } from '../main.ts';
import { createHttpAccountClient, type HttpAccountClient } from './account-http-client.ts';
import type { UnlockedSession } from './credentials/token-verifier.ts';

const input = (n: number) => ({
  userName: `t${n}@example.com`,
  email: `t${n}@example.com`,
  externalId: null,
  displayName: null,
  givenName: null,
  familyName: null,
  active: true,
  profile: {},
});

let account: RunningAccount;
let dataDir: string;
const accountLog: string[] = [];
let session: UnlockedSession;
let bridgeLog: string[];
const clients: HttpAccountClient[] = [];

function client(options: {
  time: ManualTime;
  accountUrlOverride?: string;
  holdMs?: number;
}): HttpAccountClient {
  const made = createHttpAccountClient({
    session: () => session,
    logger: loggerInto(bridgeLog),
    backoffMs: 10,
    ...options,
  });
  clients.push(made);
  return made;
}

const proxy = (...args: ProxyArgs) => accountProxy(account.address, ...args);

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-client-clock-'));
  account = await startAccountService(
    loadConfig({ SCIMBRIDGE_DATA_DIR: dataDir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
    { logger: loggerInto(accountLog) },
  );
  session = await unlockSession(account);
});

beforeEach(() => {
  bridgeLog = [];
});

after(async () => {
  for (const made of clients) made.close();
  await account.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('HTTP AccountClient on an injected clock', () => {
  const signIns = () => accountLog.filter((line) => line.includes('bridge signed in')).length;
  const unavailableWarnings = () =>
    bridgeLog.filter((line) => line.includes('account API channel unavailable'));

  test('renews the API session a minute before it expires, not earlier', async () => {
    const time = new ManualTime();
    const c = client({ time });
    await c.listMembers({ startIndex: 1, count: 0 });
    const first = signIns();
    // The account's sessions last 15 minutes.
    time.advance(15 * 60_000 - 61_000);
    await c.listMembers({ startIndex: 1, count: 0 });
    assert.equal(signIns(), first, 'still a minute and more to go: the same session');
    time.advance(2000);
    await c.listMembers({ startIndex: 1, count: 0 });
    assert.equal(signIns(), first + 1, 'less than a minute left: signed in anew');
    await c.listMembers({ startIndex: 1, count: 0 });
    assert.equal(signIns(), first + 1);
  });

  test('after a passing failure to open the channel, plain requests for 30 s, then the channel again', async () => {
    const failing = await proxy(() => 'pass', 'fail');
    try {
      const time = new ManualTime();
      const c = client({ accountUrlOverride: failing.url, time });
      await c.listMembers({ startIndex: 1, count: 0 });
      assert.equal(failing.channelOpenings.count, 1);
      time.advance(29_000);
      await c.listMembers({ startIndex: 1, count: 0 });
      assert.equal(failing.channelOpenings.count, 1, 'paused: the call went as a request');
      assert.ok(
        failing.seen.includes('POST /api/v1/members/search?include=groups&profiles=text'),
        failing.seen.join('\n'),
      );
      time.advance(2000);
      await c.listMembers({ startIndex: 1, count: 0 });
      assert.equal(failing.channelOpenings.count, 2, 'the pause is over: the channel is tried again');
      assert.deepEqual(unavailableWarnings(), [], 'a passing failure blames no proxy');
      assert.equal(c.connectionStatus().state, 'connected');
    } finally {
      await failing.close();
    }
  });

  test('where the channel is refused, plain requests for ten minutes and one warning each time it is found refused', async () => {
    const plain = await proxy(() => 'pass');
    try {
      const time = new ManualTime();
      const c = client({ accountUrlOverride: plain.url, time });
      await c.listMembers({ startIndex: 1, count: 0 });
      assert.equal(plain.channelOpenings.count, 1);
      assert.equal(unavailableWarnings().length, 1);
      time.advance(9 * 60_000);
      await c.listMembers({ startIndex: 1, count: 0 });
      assert.equal(plain.channelOpenings.count, 1, 'within ten minutes the channel is not tried');
      time.advance(61_000);
      await c.listMembers({ startIndex: 1, count: 0 });
      assert.equal(plain.channelOpenings.count, 2, 'after ten minutes it is tried again');
      assert.equal(unavailableWarnings().length, 2);
    } finally {
      await plain.close();
    }
  });

  test("a member's groups that came with it serve groupsOfMembers for half a second, once", async () => {
    const plain = await proxy(() => 'pass');
    try {
      const time = new ManualTime();
      const c = client({ accountUrlOverride: plain.url, time });
      await c.listMembers({ startIndex: 1, count: 0 }); // learns the channel is refused
      const created = await c.createMember(input(60));
      const lookups = () => plain.seen.filter((line) => line === 'POST /api/v1/members/groups').length;
      time.advance(499);
      assert.deepEqual([...(await c.groupsOfMembers([created.id])).keys()], [created.id]);
      assert.equal(lookups(), 0, 'served from the answer that came with the member');
      await c.groupsOfMembers([created.id]);
      assert.equal(lookups(), 1, 'used once');
      await c.getMember(created.id);
      time.advance(500);
      await c.groupsOfMembers([created.id]);
      assert.equal(lookups(), 2, 'half a second later it is asked again');
    } finally {
      await plain.close();
    }
  });

  test('while a call is on the wire the next one waits for holdMs on the client clock, then goes out alone', async () => {
    const { slow, holdNext, release, untilGetSeen } = await holdingAccountProxy(account.address);
    try {
      const time = new ManualTime();
      const c = client({ accountUrlOverride: slow.url, holdMs: 5000, time });
      const member = await c.createMember(input(61));
      holdNext();
      const stuck = c.getMember(member.id);
      await untilGetSeen();
      let answered = false;
      const next = c.signUpCounter().then((count) => {
        answered = true;
        return count;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(answered, false, 'held back while the first call is on the wire');
      assert.ok(!slow.seen.includes('GET /api/v1/sign-ups/count'), slow.seen.join('\n'));
      time.advance(4999);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(answered, false);
      const advanced = performance.now();
      time.advance(1);
      assert.equal(typeof (await next), 'number', 'sent once holdMs passed, the first call still stalled');
      assert.ok(performance.now() - advanced < 4000, 'on the injected clock, not after 5 s of real time');
      release();
      assert.equal((await stuck).id, member.id);
    } finally {
      release();
      await slow.close();
    }
  });

  test("warns once per sign-in when this machine's clock is off the account's by more than a minute", async () => {
    const off = client({ time: new ManualTime(5 * 60_000) });
    await off.listMembers({ startIndex: 1, count: 0 });
    const skew = bridgeLog.filter((line) => line.includes('account.clock_skew'));
    assert.equal(skew.length, 1, bridgeLog.join('\n'));
    assert.match(skew[0]!, /differs from the account server's by 300 s/);
    bridgeLog.length = 0;
    await client({ time: new ManualTime(20_000) }).listMembers({ startIndex: 1, count: 0 });
    assert.deepEqual(
      bridgeLog.filter((line) => line.includes('account.clock_skew')),
      [],
    );
  });

  test('a key the account revoked is not signed in with again: every call is credentials_revoked at once, and the next session file works', async () => {
    const plain = await proxy(() => 'pass');
    try {
      const time = new ManualTime();
      const old = session;
      let current = old;
      const make = () => {
        const made = createHttpAccountClient({
          session: () => current,
          accountUrlOverride: plain.url,
          logger: loggerInto(bridgeLog),
          backoffMs: 10,
          time,
        });
        clients.push(made);
        return made;
      };
      const signedIn = make();
      await signedIn.listMembers({ startIndex: 1, count: 0 });
      const fresh = await unlockSession(account); // regenerates: the clients' key is revoked
      session = fresh;
      const challenges = () => plain.seen.filter((line) => line.endsWith('/sign-in/challenge')).length;
      // More calls than the account's 30 sign-ins a minute allow: none of them may turn into 503.
      const refusedAll = async (c: HttpAccountClient) => {
        for (let n = 0; n < 40; n++) {
          await assert.rejects(c.listMembers({ startIndex: 1, count: 0 }), { code: 'credentials_revoked' });
          time.advance(10_000);
        }
      };
      let before = challenges();
      await refusedAll(signedIn);
      assert.equal(challenges(), before, 'its API session was refused; no sign-in with the key follows');
      // A client that starts on the revoked key asks once.
      const starting = make();
      before = challenges();
      await refusedAll(starting);
      assert.equal(challenges() - before, 1, 'asked once; then the refusal is remembered');
      const told = bridgeLog.filter((line) => line.includes('account.key_revoked'));
      assert.equal(told.length, 2, bridgeLog.join('\n'));
      assert.match(told[0]!, /will not sign in with it again: give the bridge the session file/);
      assert.ok(!told[0]!.includes(fresh.keyId));
      current = fresh;
      await signedIn.listMembers({ startIndex: 1, count: 0 });
      await starting.listMembers({ startIndex: 1, count: 0 });
      assert.equal(starting.connectionStatus().state, 'connected');
    } finally {
      await plain.close();
    }
  });
});
