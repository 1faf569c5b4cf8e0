/**
 * The HTTP AccountClient against a real account server (and, where failures are needed, a
 * small proxy in front of it that fails or stalls chosen requests).
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
import { AccountError } from '../account/errors.ts';
import { loadConfig } from '../config.ts';
import { type RunningAccount, startAccountService } from '../main.ts';
import { ScimError } from '../scim/errors.ts';
import { openStore } from '../storage/open-store.ts';
import { createHttpAccountClient, type HttpAccountClient } from './account-http-client.ts';
import type { UnlockedSession } from './credentials/token-verifier.ts';

const input = (n: number) => ({
  userName: `c${n}@example.com`,
  email: `c${n}@example.com`,
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

const unlock = (target: RunningAccount = account) => unlockSession(target);

function client(
  options: { accountUrlOverride?: string; timeoutMs?: number; holdMs?: number } = {},
): HttpAccountClient {
  const made = createHttpAccountClient({
    session: () => session,
    logger: loggerInto(bridgeLog),
    backoffMs: 10,
    ...options,
  });
  clients.push(made);
  return made;
}

/** `accountProxy` in front of this file's account. */
const proxy = (...args: ProxyArgs) => accountProxy(account.address, ...args);

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-client-'));
  account = await startAccountService(
    loadConfig({ SCIMBRIDGE_DATA_DIR: dataDir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
    { logger: loggerInto(accountLog) },
  );
  session = await unlock();
});

beforeEach(() => {
  bridgeLog = [];
});

after(async () => {
  for (const made of clients) made.close();
  await account.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A proxy that holds back the next request it is told to until `release`. */
const holdingProxy = () => holdingAccountProxy(account.address);

/**
 * Behind `proxy()` the client learns on its first exchange that the channel is refused, and
 * that exchange goes as a batch; this makes that first exchange, so the test's calls go as
 * their own requests.
 */
async function overHttp(c: HttpAccountClient): Promise<void> {
  await c.listMembers({ startIndex: 1, count: 0 });
}

const codeOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'no error';
  } catch (error) {
    if (error instanceof AccountError) return error.code;
    if (error instanceof ScimError) return `scim ${error.status} ${error.scimType}`;
    throw error;
  }
};

describe('HTTP AccountClient', () => {
  test('works like the in-process client, and account errors come back with their codes', async () => {
    const c = client();
    const member = await c.createMember(input(1));
    assert.equal((await c.getMember(member.id)).userName, 'c1@example.com');
    assert.equal(await codeOf(c.getMember('missing')), 'member_not_found');
    assert.equal(await codeOf(c.createMember(input(1))), 'user_name_taken');
    assert.equal(
      await codeOf(
        c.listMembers({
          startIndex: 1,
          count: 1,
          filter: { op: 'eq', path: { attr: 'password' }, value: 'x' },
        }),
      ),
      'scim 400 invalidFilter',
    );
    const groups = await c.groupsOfMembers([member.id]);
    assert.ok(groups.get(member.id)?.length);
    assert.equal(c.connectionStatus().state, 'connected');
    assert.ok(bridgeLog.some((line) => line.includes('signed in to the account API')));
  });

  test('signs in again when the API session ended, without the caller noticing', async () => {
    const c = client();
    await c.listMembers({ startIndex: 1, count: 0 });
    const signIns = () => accountLog.filter((line) => line.includes('bridge signed in')).length;
    const before = signIns();
    await account.store.deleteApiSessions();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the server's session cache
    await c.createMember(input(2));
    assert.equal(signIns(), before + 1);
  });

  test('calls travel over one API channel, not an HTTP request each, and the renewed session gets its own', async () => {
    const c = client();
    const from = accountLog.length;
    const linesSince = () => accountLog.slice(from);
    const created = await c.createMember(input(40));
    await Promise.all([
      c.getMember(created.id),
      c.listMembers({ startIndex: 1, count: 0 }),
      c.signUpCounter(),
    ]);
    await c.setMemberActive(created.id, false, created.version);
    const opened = () => linesSince().filter((line) => line.includes('bridge opened an account API channel'));
    assert.equal(opened().length, 1);
    const requests = linesSince()
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as { method: string; path: string; status: number });
    assert.ok(requests.length >= 3);
    // Only the sign-in went as HTTP requests; every call was a channel message.
    assert.deepEqual(
      requests.filter((line) => line.method !== 'MESSAGE').map((line) => line.path),
      ['/api/v1/sign-in/challenge', '/api/v1/sign-in'],
    );
    assert.ok(requests.every((line) => line.method !== 'MESSAGE' || line.status === 200));

    // The session ends on the account: the next call signs in again and opens a new channel.
    await account.store.deleteApiSessions();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the server's session cache
    assert.equal((await c.getMember(created.id)).state, 'suspended');
    assert.equal(opened().length, 2);
    // The old channel is closed once its answers are in.
    for (
      let i = 0;
      i < 100 && !linesSince().some((line) => line.includes('account API channel closed'));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(linesSince().some((line) => line.includes('account API channel closed')));
  });

  test('behind a proxy that does not pass WebSocket upgrades: one warning, then plain requests that work', async () => {
    const plain = await proxy(() => 'pass');
    try {
      const c = client({ accountUrlOverride: plain.url });
      const created = await c.createMember(input(41));
      assert.equal((await c.getMember(created.id)).id, created.id);
      await c.listMembers({ startIndex: 1, count: 0 });
      const warnings = bridgeLog.filter((line) => line.includes('account API channel unavailable'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /HTTP 400/);
      assert.ok(
        plain.seen.includes(`GET /api/v1/members/${created.id}?include=groups`),
        plain.seen.join('\n'),
      );
      assert.equal(c.connectionStatus().state, 'connected');
    } finally {
      await plain.close();
    }
  });

  test('a channel message the account answers late fails as account_unreachable; once the account catches up the same channel carries the next call', async () => {
    // An account whose store can be made to hang on reading a member: the account itself
    // stalls, with the channel open and healthy, as under a long database lock.
    const slowDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-slow-'));
    const realStore = await openStore({ dataDir: slowDir });
    let hold: Promise<void> | undefined;
    let release = () => {};
    const store = new Proxy(realStore, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property !== 'getMember') return value.bind(target);
        return async (...args: unknown[]) => {
          if (hold !== undefined) await hold;
          return value.apply(target, args);
        };
      },
    });
    const slowLog: string[] = [];
    let slow: RunningAccount | undefined;
    let c: HttpAccountClient | undefined;
    try {
      slow = await startAccountService(
        loadConfig({ SCIMBRIDGE_DATA_DIR: slowDir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
        { logger: loggerInto(slowLog), store },
      );
      const slowSession = await unlock(slow);
      c = createHttpAccountClient({
        session: () => slowSession,
        logger: loggerInto(bridgeLog),
        backoffMs: 10,
        timeoutMs: 1000,
      });
      const held = await c.createMember(input(60));
      const other = await c.createMember(input(61));
      hold = new Promise((resolve) => {
        release = resolve;
      });
      const started = Date.now();
      assert.equal(await codeOf(c.getMember(held.id)), 'account_unreachable');
      assert.ok(Date.now() - started < 10_000);
      assert.match(c.connectionStatus().problem ?? '', /no answer within 1000 ms/);

      hold = undefined;
      release(); // the account answers the timed-out messages now; the bridge drops those answers
      const from = slowLog.length;
      // Another member: a late answer handed to this call would show the held member instead.
      assert.equal((await c.getMember(other.id)).id, other.id);
      assert.equal(c.connectionStatus().state, 'connected');
      const requests = slowLog
        .slice(from)
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as { method: string });
      assert.ok(requests.length > 0);
      assert.ok(
        requests.every((line) => line.method === 'MESSAGE'),
        'no HTTP request: the channel stayed open',
      );
      assert.equal(slowLog.filter((line) => line.includes('bridge opened an account API channel')).length, 1);
    } finally {
      release();
      c?.close();
      if (slow !== undefined) await slow.close();
      else await realStore.close();
      await rm(slowDir, { recursive: true, force: true });
    }
  });

  test('an older account that ignores "attributes" on a membership change still gets the rename, as its own call', async () => {
    // In front of the account: a proxy that refuses the channel and removes "attributes" from
    // membership calls, which is what an account from before that field does with it.
    const stripped: string[] = [];
    const withoutAttributes = (call: { path?: unknown; body?: unknown }) => {
      const body = call.body as Record<string, unknown> | undefined;
      if (typeof call.path === 'string' && call.path.includes('/membership') && body?.attributes) {
        delete body.attributes;
        stripped.push(call.path);
      }
    };
    const older = await proxy(
      () => 'pass',
      'strip',
      (url, body) => {
        if (url.startsWith('/api/v1/batch')) {
          for (const call of body.calls as Array<Record<string, unknown>>) withoutAttributes(call);
        } else withoutAttributes({ path: url, body });
      },
    );
    try {
      const c = client({ accountUrlOverride: older.url });
      const member = await c.createMember(input(70));
      const group = await c.createGroup({ displayName: 'Old Name', externalId: null }, []);
      const changed = await c.changeGroupMembers(group.id, { add: [member.id] }, group.version, {
        displayName: 'New Name',
        externalId: 'g-70',
      });
      assert.deepEqual([changed.displayName, changed.externalId], ['New Name', 'g-70']);
      // The account never saw the attributes, and the rename went as a request of its own.
      assert.equal(stripped.length, 1);
      assert.ok(
        older.seen.some((line) => line.startsWith(`PUT /api/v1/groups/${group.id}`)),
        older.seen.join('\n'),
      );
      const stored = await account.store.getGroup(group.id);
      assert.deepEqual([stored?.displayName, stored?.externalId], ['New Name', 'g-70']);
      assert.deepEqual(
        (await account.store.listGroupMembers(group.id, { limit: 10 })).map((ref) => ref.id),
        [member.id],
      );
    } finally {
      await older.close();
    }
  });

  test('a channel whose opening gets a 5xx: that exchange goes as a request, and no proxy is blamed', async () => {
    const failing = await proxy(() => 'pass', 'fail');
    try {
      const c = client({ accountUrlOverride: failing.url });
      const created = await c.createMember(input(43));
      assert.equal((await c.getMember(created.id)).id, created.id);
      assert.ok(
        failing.seen.some((line) => line.startsWith('POST /api/v1/batch')),
        failing.seen.join('\n'),
      );
      assert.equal(bridgeLog.filter((line) => line.includes('account API channel unavailable')).length, 0);
      assert.equal(c.connectionStatus().state, 'connected');
    } finally {
      await failing.close();
    }
  });

  test('a membership change answers the key-share lookup for its new members that follows it, once', async () => {
    const counting = await proxy(() => 'pass');
    try {
      const c = client({ accountUrlOverride: counting.url });
      await overHttp(c);
      const member = await c.createMember(input(42));
      const group = await c.createGroup({ displayName: 'Joiners', externalId: null }, []);
      counting.seen.length = 0;
      await c.changeGroupMembers(group.id, { add: [member.id] }, undefined);
      assert.deepEqual(await c.findMissingKeyShares({ groupId: group.id, memberIds: [member.id] }), []);
      assert.deepEqual(counting.seen, [
        `POST /api/v1/groups/${group.id}/membership?include=missingKeyShares`,
      ]);
      // Used once: the same question again, or another one, asks the account.
      await c.findMissingKeyShares({ groupId: group.id, memberIds: [member.id] });
      await c.findMissingKeyShares({ groupId: group.id, memberIds: ['someone-else'] });
      assert.equal(counting.seen.filter((line) => line === 'POST /api/v1/key-shares/missing').length, 2);
    } finally {
      await counting.close();
    }
  });

  test('an unreachable account is account_unreachable, logged once, and nothing is retried forever', async () => {
    const dead = await proxy(() => 'pass');
    await dead.close();
    const c = client({ accountUrlOverride: dead.url });
    assert.equal(await codeOf(c.getMember('x')), 'account_unreachable');
    assert.equal(await codeOf(c.getMember('x')), 'account_unreachable');
    assert.equal(c.connectionStatus().state, 'unreachable');
    assert.equal(bridgeLog.filter((line) => line.includes('account server unreachable')).length, 1);
    assert.match(c.connectionStatus().problem ?? '', /ECONNREFUSED/);
  });

  test('reads are retried through a passing 503; writes are not sent twice', async () => {
    // Each kind of request in `failOnce` gets one 503 before it passes.
    const failOnce = new Set(['POST /api/v1/members', 'GET']);
    const flaky = await proxy((request) => {
      const key = request.method === 'GET' ? 'GET' : `${request.method} ${request.url?.split('?')[0]}`;
      return failOnce.delete(key) ? 'fail' : 'pass';
    });
    try {
      const c = client({ accountUrlOverride: flaky.url });
      await overHttp(c);
      const member = await c.createMember(input(3)).catch((error: unknown) => error);
      assert.ok(member instanceof AccountError && member.code === 'account_unreachable');
      assert.equal(flaky.seen.filter((line) => line.startsWith('POST /api/v1/members?')).length, 1);
      const created = await c.createMember(input(3));
      assert.equal((await c.getMember(created.id)).id, created.id);
      assert.equal(flaky.seen.filter((line) => line.startsWith('GET /api/v1/members/')).length, 2);
    } finally {
      await flaky.close();
    }
  });

  test('setMemberActive: one request with the groups; repeated after a 503 only when no version is pinned', async () => {
    let failNext = false;
    const flaky = await proxy(() => {
      if (!failNext) return 'pass';
      failNext = false;
      return 'fail';
    });
    try {
      const c = client({ accountUrlOverride: flaky.url });
      const member = await c.createMember(input(20));
      flaky.seen.length = 0;
      const suspended = await c.setMemberActive(member.id, false, member.version);
      assert.deepEqual([suspended.state, suspended.version], ['suspended', member.version + 1]);
      assert.equal('groups' in suspended, false);
      assert.ok((await c.groupsOfMembers([member.id])).get(member.id)?.length);
      assert.deepEqual(flaky.seen, [`POST /api/v1/members/${member.id}/active?include=groups`]);
      assert.equal(await codeOf(c.setMemberActive(member.id, true, member.version)), 'version_mismatch');

      // Setting a value twice sets it once, so without a version a busy answer is retried.
      flaky.seen.length = 0;
      failNext = true;
      const back = await c.setMemberActive(member.id, true);
      assert.equal(back.state, 'invited');
      assert.equal(flaky.seen.length, 2);
      // With a version, a repeat would meet the version it bumped itself: not retried.
      flaky.seen.length = 0;
      failNext = true;
      assert.equal(await codeOf(c.setMemberActive(member.id, false, back.version)), 'account_unreachable');
      assert.equal(flaky.seen.length, 1);
      assert.equal((await c.getMember(member.id)).state, 'invited');
    } finally {
      await flaky.close();
    }
  });

  test('calls made together go out as one batch, and each gets its own answer', async () => {
    const counting = await proxy(() => 'pass');
    try {
      const c = client({ accountUrlOverride: counting.url });
      const first = await c.createMember(input(10));
      counting.seen.length = 0;
      const outcomes = await Promise.allSettled([
        c.getMember(first.id),
        c.getMember('missing'),
        c.createMember(input(11)),
        c.listGroups({ startIndex: 1, count: 5 }),
      ]);
      assert.deepEqual(counting.seen, ['POST /api/v1/batch']);
      assert.equal(outcomes[0].status === 'fulfilled' && outcomes[0].value.id, first.id);
      assert.ok(
        outcomes[1].status === 'rejected' && (outcomes[1].reason as AccountError).code === 'member_not_found',
      );
      assert.equal(outcomes[2].status === 'fulfilled' && outcomes[2].value.userName, 'c11@example.com');
      assert.ok(outcomes[3].status === 'fulfilled' && outcomes[3].value.total >= 0);
      // The groups came with the batch: rendering the new member costs no further request.
      await c.groupsOfMembers([first.id]);
      assert.deepEqual(counting.seen, ['POST /api/v1/batch']);
    } finally {
      await counting.close();
    }
  });

  test('calls made while an exchange is on the wire wait for its answer, then go out together', async () => {
    const { slow, holdNext, release } = await holdingProxy();
    try {
      const c = client({ accountUrlOverride: slow.url, holdMs: 10_000 });
      const member = await c.createMember(input(30));
      slow.seen.length = 0;
      holdNext();
      const first = c.getMember(member.id);
      while (slow.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // Three SCIM requests arriving one after another while the first call is answered.
      const later: Array<Promise<unknown>> = [];
      for (let i = 0; i < 3; i++) {
        later.push(c.getMember(member.id));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(slow.seen.length, 1, 'the later calls wait while the first is on the wire');
      release();
      await Promise.all([first, ...later]);
      assert.deepEqual(slow.seen, [`GET /api/v1/members/${member.id}?include=groups`, 'POST /api/v1/batch']);
    } finally {
      release();
      await slow.close();
    }
  });

  test('a slow call holds the next ones back for at most holdMs', async () => {
    const { slow, holdNext, release, untilGetSeen } = await holdingProxy();
    try {
      const c = client({ accountUrlOverride: slow.url, holdMs: 20 });
      const member = await c.createMember(input(31));
      holdNext();
      const stuck = c.getMember(member.id);
      await untilGetSeen();
      const started = performance.now();
      assert.equal((await c.getMember(member.id)).id, member.id);
      assert.ok(performance.now() - started < 2000, 'answered while the first call is still stalled');
      release();
      assert.equal((await stuck).id, member.id);
    } finally {
      release();
      await slow.close();
    }
  });

  test('closing the client answers the calls still waiting to go out', async () => {
    const { slow, holdNext, release, untilGetSeen } = await holdingProxy();
    try {
      const c = client({ accountUrlOverride: slow.url, holdMs: 10_000 });
      const member = await c.createMember(input(32));
      holdNext();
      const first = c.getMember(member.id);
      first.catch(() => {});
      await untilGetSeen();
      const waiting = c.getMember(member.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      c.close();
      const stillWaiting = new Promise((resolve) => setTimeout(resolve, 2000));
      assert.equal(await codeOf(Promise.race([waiting, stillWaiting])), 'account_unreachable');
      // Nothing goes out once closed, and the call cut off on the wire is not sent again.
      const sent = slow.seen.length;
      assert.equal(await codeOf(c.getMember(member.id)), 'account_unreachable');
      release();
      assert.equal(await codeOf(first), 'account_unreachable');
      assert.equal(slow.seen.length, sent);
    } finally {
      release();
      await slow.close();
    }
  });

  test('a call the account refuses as malformed is a bridge error, not an unreachable account', async () => {
    const c = client();
    await c.listMembers({ startIndex: 1, count: 1 });
    const malformed = { startIndex: 'one', count: 1 } as unknown as Parameters<typeof c.listMembers>[0];
    await assert.rejects(c.listMembers(malformed), /refused a call of this bridge as malformed/);
    assert.equal(c.connectionStatus().state, 'connected');
    assert.ok(!bridgeLog.some((line) => line.includes('unreachable')));
  });

  test('a request that gets no answer times out as account_unreachable', async () => {
    const stalled = await proxy((request) =>
      request.url?.startsWith('/api/v1/members/') ? 'stall' : 'pass',
    );
    try {
      const c = client({ accountUrlOverride: stalled.url, timeoutMs: 300 });
      await overHttp(c);
      const started = Date.now();
      assert.equal(await codeOf(c.getMember('slow')), 'account_unreachable');
      assert.ok(Date.now() - started < 5000);
      assert.match(c.connectionStatus().problem ?? '', /no answer within 300 ms/);
    } finally {
      await stalled.close();
    }
  });

  test('regenerated credentials are credentials_revoked, with one log line that says so', async () => {
    const c = client();
    await c.listMembers({ startIndex: 1, count: 0 });
    const old = session;
    session = await unlock(); // regenerates on the account
    const revokedClient = createHttpAccountClient({
      session: () => old,
      logger: loggerInto(bridgeLog),
      backoffMs: 10,
    });
    clients.push(revokedClient);
    assert.equal(await codeOf(revokedClient.listMembers({ startIndex: 1, count: 0 })), 'credentials_revoked');
    assert.equal(await codeOf(revokedClient.checkProvisioning(old.keyId)), 'credentials_revoked');
    assert.equal(revokedClient.connectionStatus().state, 'credentials_revoked');
    assert.equal(bridgeLog.filter((line) => line.includes('"msg":"credentials revoked')).length, 1);
    // The client on the new session signs in again by itself.
    await c.listMembers({ startIndex: 1, count: 0 });
  });
});
