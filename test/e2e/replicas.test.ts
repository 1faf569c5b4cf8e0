/**
 * Replicas under fire (issue 13): 2 account servers on one PostgreSQL and 3 bridges sharing
 * one Redis, all real processes, each tier behind a round-robin TCP proxy written for the
 * test. An IdP (this test) provisions users and groups through the bridges' proxy, retrying
 * as real IdPs do, while members sign up; at seeded moments one account server and the
 * bridge that runs the provision watcher are killed with SIGKILL and later restarted.
 * Afterwards: every user exists once, every group has exactly its members, every member
 * who signed up is confirmed once, and one "account ready" message reached each (SMTP sink).
 *
 * Size: SCIMBRIDGE_REPLICAS_USERS (default 240) and SCIMBRIDGE_REPLICAS_GROUPS (default 8);
 * the issue's full size is 10000 and 200. SCIMBRIDGE_REPLICAS_SIGNUPS members sign up (default
 * 30% of the users, at most 200: each sign-up is key maths a real member's browser does, and
 * provisioning, not sign-up, is what must run at full size). SCIMBRIDGE_REPLICAS_SEED picks the
 * kill moments, who signs up and who is in which group.
 *
 * The processes run the compiled build (`npm run build`, as CI does before the tests) when it
 * is newer than src/, else the sources through tsx (test/support/processes.ts).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Store } from '../../src/account/store.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { type CliProcess, compiledCliIsCurrent, runCli, spawnCli } from '../support/processes.ts';
import { needsPostgres, needsRedis, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/requirements.ts';
import { type RoundRobinProxy, startRoundRobinProxy } from '../support/round-robin-proxy.ts';
import { signUp } from '../support/sign-up.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../support/system.ts';

const USERS = Number(process.env.SCIMBRIDGE_REPLICAS_USERS ?? 240);
const GROUPS = Number(process.env.SCIMBRIDGE_REPLICAS_GROUPS ?? 8);
const SEED = Number(process.env.SCIMBRIDGE_REPLICAS_SEED ?? 13);
const SIGNUPS = Math.min(
  USERS,
  Number(process.env.SCIMBRIDGE_REPLICAS_SIGNUPS ?? Math.min(200, Math.ceil(USERS * 0.3))),
);
const spawnOptions = { preferCompiled: true };
/** IdPs send a few requests at once. */
const CONCURRENCY = 4;

/** mulberry32: a small seeded generator, so a failing run can be repeated exactly. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const addressOf = (line: string) => {
  const url = new URL(/running at (\S+)/.exec(line)![1]!);
  return { host: url.hostname, port: Number(url.port) };
};

/**
 * Opt-in (SCIMBRIDGE_REPLICAS_E2E=1): even from the compiled build, starting five processes
 * took 33 to 101 s on a loaded 2-core machine and the smallest size about 80 s in all — too
 * long, and too dependent on load, for every `npm test`. Recorded full-size runs:
 * docs/benchmarks.md, "Replicas (issue 13)". (The earlier "provisioning_disabled from one
 * account server" was this test setting SCIMBRIDGE_DATABASE_URL instead of DATABASE_URL: each
 * server ran on its own SQLite file, and only the one whose data folder the setup used had
 * provisioning on.)
 */
const needs = process.env.SCIMBRIDGE_REPLICAS_E2E
  ? needsPostgres.skip
    ? needsPostgres
    : needsRedis
  : {
      skip: 'set SCIMBRIDGE_REPLICAS_E2E=1 to run: five processes make it take minutes (issue 13)',
    };

// biome-ignore lint/suspicious/noExplicitAny: tests read SCIM bodies freely
type Answer = { status: number; body: any };

describe('replicas: 2 account servers, 3 bridges, SIGKILL at seeded moments', needs, () => {
  let work: string;
  let database: string;
  let databaseUrl: string;
  let store: Store;
  let sink: SmtpSink;
  let accountProxy: RoundRobinProxy;
  let bridgeProxy: RoundRobinProxy;
  let token: string;
  const prefix = `scimbridge-e2e-${process.pid}-${Date.now()}:`;
  const outboxKey = Buffer.alloc(32, 7).toString('base64');
  const accounts: Array<CliProcess | undefined> = [undefined, undefined];
  const bridges: Array<CliProcess | undefined> = [undefined, undefined, undefined];
  const everyProcess: CliProcess[] = [];
  /** Seconds each phase took, printed at the end (docs/deployment/replicas.md records runs). */
  const seconds: Record<string, number> = {};
  const since = (start: number) => Math.round((performance.now() - start) / 100) / 10;

  const accountEnv = (n: number) => ({
    SCIMBRIDGE_DATA_DIR: path.join(work, `account${n}`),
    DATABASE_URL: databaseUrl,
    SCIMBRIDGE_OUTBOX_KEY: outboxKey,
    SCIMBRIDGE_SMTP_URL: sink.url,
    SCIMBRIDGE_SMTP_REQUIRE_TLS: 'false',
    SCIMBRIDGE_ACCOUNT_URL: accountProxy.url,
    SCIMBRIDGE_PASSWORD_ITERATIONS: '1000',
  });

  async function startAccount(n: number): Promise<void> {
    const child = spawnCli(['account', 'serve', '--console-port', '0'], accountEnv(n), spawnOptions);
    everyProcess.push(child);
    accounts[n] = child;
    const line = await child.waitFor(/account server is running at/, 90_000);
    accountProxy.setBackend(n, addressOf(line));
  }

  async function startBridge(n: number): Promise<void> {
    const child = spawnCli(
      ['bridge', 'serve', '--bridge-port', '0'],
      {
        SCIMBRIDGE_DATA_DIR: path.join(work, `bridge${n}`),
        SCIMBRIDGE_SESSION: path.join(work, 'scimsession'),
        SCIMBRIDGE_TOKEN_FILE: path.join(work, 'token'),
        SCIMBRIDGE_ACCOUNT_URL: accountProxy.url,
        SCIMBRIDGE_REDIS_URL: TEST_REDIS_URL,
        SCIMBRIDGE_REDIS_PREFIX: prefix,
        SCIMBRIDGE_CONFIRMATION_INTERVAL: '30',
      },
      spawnOptions,
    );
    everyProcess.push(child);
    bridges[n] = child;
    const line = await child.waitFor(/bridge is running at/, 90_000);
    bridgeProxy.setBackend(n, addressOf(line));
  }

  function kill(list: Array<CliProcess | undefined>, n: number, proxy: RoundRobinProxy): Promise<unknown> {
    const child = list[n]!;
    proxy.setBackend(n, undefined);
    list[n] = undefined;
    child.child.kill('SIGKILL');
    return child.exited;
  }

  /** The bridge whose last lease line says it holds the watcher's lease. */
  function watcherBridge(): number | undefined {
    for (let n = 0; n < bridges.length; n++) {
      const lines = bridges[n]?.lines.filter((line) => line.includes('provision watcher: '));
      if (lines?.at(-1)?.includes('this bridge holds the lease')) return n;
    }
    return undefined;
  }

  before(async () => {
    const startedAt = performance.now();
    work = await mkdtemp(path.join(tmpdir(), 'scimbridge-replicas-'));
    database = `scimbridge_replicas_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
    // Thousands of invitations go out too; only the "account ready" messages are checked.
    sink = await startSmtpSink({ keep: (mail) => mail.subject.includes('is ready') });
    accountProxy = await startRoundRobinProxy([undefined, undefined]);
    bridgeProxy = await startRoundRobinProxy([undefined, undefined, undefined]);
    for (const dir of ['account0', 'account1', 'bridge0', 'bridge1', 'bridge2'])
      await mkdir(path.join(work, dir), { recursive: true });
    // Both account servers start together on an empty database: the migration lock lets one migrate.
    await Promise.all([startAccount(0), startAccount(1)]);
    const setup = await runCli(
      ['provisioning', 'setup', '--token-out', path.join(work, 'token'), '--account-url', accountProxy.url],
      accountEnv(0),
      spawnOptions,
    );
    assert.equal(setup.code, 0, setup.output);
    token = (await readFile(path.join(work, 'token'), 'utf8')).trim();
    await writeFile(
      path.join(work, 'scimsession'),
      await readFile(path.join(work, 'account0', 'scimsession')),
      { mode: 0o600 },
    );
    store = await openPostgresStore({ connectionString: databaseUrl });
    // The servers and the setup really share this database (not each a SQLite file of its own).
    assert.equal(
      (await store.getIntegration())?.state,
      'active',
      'provisioning is on in the shared database',
    );
    await Promise.all([startBridge(0), startBridge(1), startBridge(2)]);
    seconds.startUp = since(startedAt);
  });

  after(async () => {
    await Promise.allSettled(everyProcess.map((child) => child.stop('SIGKILL')));
    await store?.close();
    await accountProxy?.close();
    await bridgeProxy?.close();
    await sink?.close();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    const redis = await import('ioredis');
    const client = new redis.Redis(TEST_REDIS_URL);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
    await rm(work, { recursive: true, force: true });
  });

  /** One SCIM request through the bridges' proxy, on a new connection (so round robin spreads them). */
  function send(method: string, pathAndQuery: string, body?: unknown): Promise<Answer> {
    const target = new URL(`${bridgeProxy.url}/scim/v2${pathAndQuery}`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method,
          agent: false,
          timeout: 30_000,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/scim+json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** As an IdP: a failed connection, 429 or 5xx is sent again after a back-off, up to a bound. */
  async function idp(method: string, pathAndQuery: string, body?: unknown): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      try {
        answer = await send(method, pathAndQuery, body);
      } catch {}
      if (answer && answer.status < 500 && answer.status !== 429) return answer;
      assert.ok(attempt < 60, `${method} ${pathAndQuery} kept failing: ${JSON.stringify(answer)}`);
      await sleep(Math.min(250 * attempt, 2000));
    }
  }

  /** Creates, or after a retry whose first attempt had landed, finds the resource by its unique name. */
  async function createOnce(
    kind: 'Users' | 'Groups',
    body: Record<string, unknown>,
    unique: string,
  ): Promise<string> {
    const created = await idp('POST', `/${kind}`, body);
    if (created.status === 201) return created.body.id;
    assert.equal(created.status, 409, JSON.stringify(created.body));
    const attribute = kind === 'Users' ? 'userName' : 'displayName';
    const found = await idp('GET', `/${kind}?filter=${encodeURIComponent(`${attribute} eq "${unique}"`)}`);
    assert.equal(found.status, 200);
    assert.equal(found.body.totalResults, 1, `${unique} exists once`);
    return found.body.Resources[0].id;
  }

  async function inParallel<T>(items: T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < items.length) {
          const index = next++;
          await work(items[index]!, index);
        }
      }),
    );
  }

  test(`${USERS} users, ${GROUPS} groups, seed ${SEED}: once each, exact members, one confirmation and one mail per sign-up`, {
    timeout: 30 * 60_000,
  }, async () => {
    // Ready when every bridge answers: six good answers in a row go through each bridge twice.
    const readyBy = Date.now() + 30_000;
    for (let good = 0; good < 6; ) {
      const answer = await send('GET', '/Users?count=1').catch(() => undefined);
      good = answer?.status === 200 ? good + 1 : 0;
      if (good === 0) {
        if (Date.now() >= readyBy && process.env.SCIMBRIDGE_REPLICAS_DUMP)
          for (const [n, child] of everyProcess.entries())
            await writeFile(
              path.join(process.env.SCIMBRIDGE_REPLICAS_DUMP, `p${n}.log`),
              child.lines.join('\n'),
            );
        assert.ok(
          Date.now() < readyBy,
          `the bridges did not become ready: ${JSON.stringify(answer?.body)}\n${everyProcess.map((child) => child.lines.slice(-6).join('\n')).join('\n---\n')}`,
        );
        await sleep(500);
      }
    }
    const provisioningStart = performance.now();
    const random = seeded(SEED);
    // The moments (as counts of users created) to kill and restart, drawn from the seed.
    const killAccountAt = Math.floor(USERS * (0.15 + random() * 0.2));
    const accountVictim = random() < 0.5 ? 0 : 1;
    const restartAccountAt = killAccountAt + Math.floor(USERS * 0.15);
    const killWatcherAt = Math.floor(USERS * (0.45 + random() * 0.2));
    const restartWatcherAt = killWatcherAt + Math.floor(USERS * 0.15);
    const names = Array.from({ length: USERS }, (_, n) => `user${String(n).padStart(5, '0')}@example.com`);
    // Exactly SIGNUPS members sign up, drawn from the seed (a partial Fisher-Yates shuffle).
    const order = names.map((_, n) => n);
    for (let n = 0; n < SIGNUPS; n++) {
      const pick = n + Math.floor(random() * (USERS - n));
      [order[n], order[pick]] = [order[pick]!, order[n]!];
    }
    const signsUp = names.map(() => false);
    for (const n of order.slice(0, SIGNUPS)) signsUp[n] = true;
    // Every group gets members: the first GROUPS users one each, the rest at random.
    const groupOf = names.map((_, n) => (n < GROUPS ? n : Math.floor(random() * GROUPS)));
    const ids = new Map<string, string>();
    const signUps: Promise<void>[] = [];
    const restarts: Promise<void>[] = [];
    let done = 0;
    let watcherVictim: number | undefined;
    const events: string[] = [];

    const onProgress = async () => {
      done++;
      if (done === killAccountAt) {
        events.push(`kill account ${accountVictim} at ${done}`);
        await kill(accounts, accountVictim, accountProxy);
      }
      if (done === restartAccountAt) {
        events.push(`restart account ${accountVictim} at ${done}`);
        restarts.push(startAccount(accountVictim));
      }
      if (done === killWatcherAt) {
        watcherVictim = watcherBridge() ?? 0;
        events.push(`kill bridge ${watcherVictim} (the watcher's) at ${done}`);
        await kill(bridges, watcherVictim, bridgeProxy);
      }
      if (done === restartWatcherAt && watcherVictim !== undefined) {
        events.push(`restart bridge ${watcherVictim} at ${done}`);
        restarts.push(startBridge(watcherVictim));
      }
    };

    await inParallel(names, async (userName, index) => {
      const id = await createOnce(
        'Users',
        {
          schemas: [USER_SCHEMA],
          userName,
          emails: [{ value: userName, primary: true, type: 'work' }],
          active: true,
        },
        userName,
      );
      ids.set(userName, id);
      // The member opens the invitation and signs up while provisioning goes on.
      if (signsUp[index]) signUps.push(signUp(store, id, 'correct horse battery staple'));
      await onProgress();
    });
    await Promise.all(signUps);
    await Promise.all(restarts);
    seconds.users = since(provisioningStart);
    const groupsStart = performance.now();

    // Groups: created with half their members, the rest added by PATCH (as IdPs do both).
    const expected = new Map<string, Set<string>>();
    const groups = Array.from({ length: GROUPS }, (_, g) => `Team ${g}`);
    await inParallel(groups, async (displayName, g) => {
      const members = names.filter((_, n) => groupOf[n] === g).map((name) => ids.get(name)!);
      expected.set(displayName, new Set(members));
      const half = Math.ceil(members.length / 2);
      const groupId = await createOnce(
        'Groups',
        { schemas: [GROUP_SCHEMA], displayName, members: members.slice(0, half).map((value) => ({ value })) },
        displayName,
      );
      for (let start = half; start < members.length; start += 50) {
        const patch = await idp('PATCH', `/Groups/${groupId}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            {
              op: 'add',
              path: 'members',
              value: members.slice(start, start + 50).map((value) => ({ value })),
            },
          ],
        });
        assert.ok(patch.status === 200 || patch.status === 204, JSON.stringify(patch.body));
      }
    });

    seconds.groups = since(groupsStart);
    const checksStart = performance.now();

    // Every user the IdP was told exists, exactly once, and nothing else.
    const listed = new Map<string, number>();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const members = await db.query<{ user_name: string; n: string }>(
        "SELECT user_name, count(*) AS n FROM members WHERE user_name LIKE 'user%@example.com' GROUP BY user_name",
      );
      for (const row of members.rows) listed.set(row.user_name, Number(row.n));
      assert.equal(listed.size, USERS, events.join('; '));
      for (const name of names) assert.equal(listed.get(name), 1, `${name} exists once`);

      // Every group has exactly its members.
      for (const [displayName, want] of expected) {
        const group = await idp(
          'GET',
          `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`,
        );
        assert.equal(group.body.totalResults, 1, `${displayName} exists once`);
        const got = await store.listGroupMembers(group.body.Resources[0].id, { limit: USERS + 10 });
        assert.deepEqual(new Set(got.map((ref) => ref.id)), want, `${displayName} has exactly its members`);
      }

      // Every member who signed up is confirmed (bounded wait: the watcher runs within moments of a sign-up).
      const signedUp = names.filter((_, n) => signsUp[n]).map((name) => ids.get(name)!);
      const deadline = Date.now() + 180_000;
      for (;;) {
        const pending = await db.query(
          "SELECT count(*)::int AS n FROM members WHERE state <> 'active' AND id = ANY($1)",
          [signedUp],
        );
        if (pending.rows[0].n === 0) break;
        assert.ok(
          Date.now() < deadline,
          `${pending.rows[0].n} of ${signedUp.length} still not confirmed; ${events.join('; ')}`,
        );
        await sleep(500);
      }
      const confirmations = await db.query<{ target_id: string; n: number }>(
        "SELECT target_id, count(*)::int AS n FROM activity WHERE action = 'member.confirmed' GROUP BY target_id",
      );
      const confirmedOnce = new Map(confirmations.rows.map((row) => [row.target_id, row.n]));
      for (const id of signedUp) assert.equal(confirmedOnce.get(id), 1, `${id} confirmed once`);

      // One "account ready" message each, through the real SMTP sink.
      const readyTo = new Map<string, Set<string>>();
      const mailDeadline = Date.now() + 180_000;
      for (;;) {
        readyTo.clear();
        for (const mail of sink.received) {
          if (!mail.subject.includes('is ready')) continue;
          for (const to of mail.envelopeTo) {
            const seen = readyTo.get(to) ?? new Set<string>();
            seen.add(mail.messageId);
            readyTo.set(to, seen);
          }
        }
        if (readyTo.size >= signedUp.length) break;
        assert.ok(
          Date.now() < mailDeadline,
          `${readyTo.size} of ${signedUp.length} "account ready" mails arrived`,
        );
        await sleep(500);
      }
      const signedUpNames = new Set(names.filter((_, n) => signsUp[n]));
      for (const [to, messages] of readyTo) {
        assert.ok(signedUpNames.has(to), `${to} signed up`);
        assert.equal(messages.size, 1, `one "account ready" message to ${to}`);
      }
      seconds.checks = since(checksStart);
      console.log(
        JSON.stringify({
          users: USERS,
          groups: GROUPS,
          seed: SEED,
          signedUp: signedUp.length,
          readyMessagesDelivered: sink.received.length,
          messagesAccepted: sink.accepted,
          compiled: compiledCliIsCurrent(),
          events,
          seconds,
        }),
      );
    } finally {
      await db.end();
    }
  });
});
