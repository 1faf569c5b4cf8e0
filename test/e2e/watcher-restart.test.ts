/**
 * The provision watcher across restarts and races (P11): pending members wait in the
 * database while the bridge has no token, and are confirmed once it gets one; two watchers
 * confirming at once confirm each member once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { createInProcessAccountClient } from '../../src/account/in-process-client.ts';
import { loadOutboxKey, OUTBOX_KEY_FILE_NAME } from '../../src/account/mail/outbox-key-file.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import { GroupKeyRing } from '../../src/bridge/key-chain/group-key-ring.ts';
import { ProvisionWatcher } from '../../src/bridge/key-chain/provision-watcher.ts';
import { createRedisLease, type Lease } from '../../src/bridge/lease.ts';
import { openSharedRedis } from '../../src/bridge/shared-redis.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { openSession } from '../../src/crypto/credentials/session-file.ts';
import { parseToken } from '../../src/crypto/credentials/token.ts';
import { importPrivateKey } from '../../src/crypto/keys.ts';
import { startSystem } from '../../src/main.ts';
import { loggerInto } from '../support/log-lines.ts';
import { needsPostgres, needsRedis, TEST_REDIS_URL } from '../support/requirements.ts';
import { signUp } from '../support/sign-up.ts';
import { GROUP_SCHEMA, startTestSystem, USER_SCHEMA } from '../support/system.ts';

const quiet = () => pino({ level: 'silent' });

/**
 * A watcher as another bridge over the same database would run it: its own client and key
 * ring, holding the provisioning key that `token` opens from the system's session file.
 */
async function watcherOfAnotherBridge(
  sys: Awaited<ReturnType<typeof startTestSystem>>,
  token: string,
  options: { intervalSeconds: number; batchSize?: number; signUpPollMs?: number; lease?: Lease },
): Promise<ProvisionWatcher> {
  const parsed = parseToken(token);
  assert.ok(parsed.ok);
  const secrets = (await openSession(
    JSON.parse(await readFile(path.join(sys.dataDir, 'scimsession'), 'utf8')),
    parsed.token.bytes,
  ))!;
  const provisioning = {
    privateKey: await importPrivateKey('X25519', secrets.provisioningPrivateKey),
    publicKey: (await sys.store.getIntegration())!.provisioningPublicKey,
  };
  // Another account server over the same database shares its outbox key (the account_ready mail's link is sealed).
  const outboxSeal = loadOutboxKey({
    file: path.join(sys.dataDir, OUTBOX_KEY_FILE_NAME),
    create: false,
  })!.seal;
  const client = createInProcessAccountClient({
    store: sys.store,
    clock: systemClock,
    ids: randomIds,
    outboxSeal,
  });
  return new ProvisionWatcher({
    client,
    keyRing: new GroupKeyRing(client, () => provisioning, quiet()),
    clock: systemClock,
    logger: quiet(),
    ...options,
  });
}

describe('provision watcher: restart safety', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('members pending across a restart are confirmed once the restarted bridge gets its token', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-restart-'));
    dirs.push(dataDir);
    const config = loadConfig({
      SCIMBRIDGE_DATA_DIR: dataDir,
      SCIMBRIDGE_CONSOLE_PORT: '0',
      SCIMBRIDGE_BRIDGE_PORT: '0',
    });
    const lines: string[] = [];
    const logger = loggerInto(lines);

    // First life: credentials made, people invited and signed up, but no IdP request yet.
    const first = await startSystem(config, { logger });
    const credentials = await setupProvisioning(
      { store: first.store, clock: systemClock, ids: randomIds },
      { accountUrl: config.accountUrl },
    );
    await writeFile(path.join(dataDir, 'scimsession'), JSON.stringify(credentials.sessionFile), {
      mode: 0o600,
    });
    const scim = (address: string, body: unknown) =>
      fetch(`${address}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credentials.token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(body),
      });
    const created = [];
    for (const name of ['dora', 'eli']) {
      const res = await scim(first.bridgeAddress, {
        schemas: [USER_SCHEMA],
        userName: `${name}@example.com`,
      });
      assert.equal(res.status, 201);
      created.push(((await res.json()) as { id: string }).id);
    }
    // The IdP requests above started the first watcher; sign-ups arrive after its first run, then it stops.
    await first.watcher.runNow();
    for (const id of created) await signUp(first.store, id);
    await first.close();

    // Second life: nothing is confirmed until a valid token arrives.
    const second = await startSystem(config, { logger });
    try {
      assert.equal(second.watcher.watcherStatus().state, 'waiting_for_token');
      assert.equal((await second.store.getMember(created[0]!))?.state, 'pending');
      assert.equal(await second.watcher.runNow().then((summary) => summary.confirmed), 0);

      const res = await fetch(`${second.bridgeAddress}/scim/v2/Users?count=1`, {
        headers: { authorization: `Bearer ${credentials.token}` },
      });
      assert.equal(res.status, 200);
      // The token started the watcher; wait for its run (or the one it queued) to finish.
      await second.watcher.runNow();
      for (const id of created) assert.equal((await second.store.getMember(id))?.state, 'active');
      assert.equal(second.watcher.watcherStatus().confirmedTotal, 2);
      assert.ok(!lines.some((line) => line.includes(credentials.token)), 'the token never reaches the log');
    } finally {
      await second.close();
    }
  });
});

describe('provision watcher: two racing', () => {
  test(
    'two watchers confirming the same members confirm each once, with one mail each',
    needsPostgres,
    async () => {
      const sys = await startTestSystem({ db: 'postgres' });
      try {
        const ids: string[] = [];
        for (let n = 0; n < 12; n++) {
          const res = await sys.scim('POST', '/Users', {
            schemas: [USER_SCHEMA],
            userName: `race${n}@example.com`,
          });
          ids.push(res.body.id);
        }
        // The system's own watcher stays out of it: only the two below confirm.
        sys.system.watcher.stop();
        await sys.system.watcher.runNow();
        for (const id of ids) await signUp(sys.store, id);

        // Two bridges: each its own client, key ring and watcher over the same database.
        const watchers = await Promise.all(
          [0, 1].map(() => watcherOfAnotherBridge(sys, sys.token, { intervalSeconds: 300, batchSize: 5 })),
        );
        const summaries = await Promise.all(watchers.map((watcher) => watcher.runNow()));
        for (const watcher of watchers) watcher.stop();
        assert.equal(summaries[0]!.confirmed + summaries[1]!.confirmed, 12);
        for (const id of ids) {
          const member = (await sys.store.getMember(id))!;
          assert.equal(member.state, 'active');
          assert.equal((await sys.store.listGroupKeySharesOfMember(id)).length, 1, 'Team Members, once');
        }
        const ready = (await sys.store.listMail({ limit: 100 })).filter(
          (mail) => mail.template === 'account_ready',
        );
        assert.equal(ready.length, 12);
        assert.equal(new Set(ready.map((mail) => mail.to)).size, 12);
        // Team Members got one key pair, whoever made it first.
        const teamMembers = (await sys.store.findGroupByKind('team_members'))!;
        assert.equal((await sys.store.getGroupKeys([teamMembers.id])).length, 1);
      } finally {
        await sys.close();
      }
    },
  );
});

describe('provision watcher: new credentials', () => {
  test('a running bridge that gets new credentials re-seals group keys, and confirming goes on', async () => {
    const sys = await startTestSystem();
    try {
      const first = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'rot1@example.com',
      });
      const second = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'rot2@example.com',
      });
      const group = await sys.scim('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Eng',
        members: [{ value: first.body.id }, { value: second.body.id }],
      });
      assert.equal(group.status, 201, group.text);
      await sys.system.watcher.runNow();
      const [before] = await sys.store.getGroupKeys([group.body.id]);

      // New credentials (P2): the IdP gets the new token; the running bridge picks up the new file.
      sys.token = await sys.regenerate();
      assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);
      await signUp(sys.store, first.body.id);
      // The new token may already have started a run that confirmed them; either way they are in.
      await sys.system.watcher.runNow();
      assert.equal(
        (await sys.store.getMember(first.body.id))?.state,
        'active',
        JSON.stringify(sys.system.watcher.watcherStatus().failures),
      );
      const [after] = await sys.store.getGroupKeys([group.body.id]);
      assert.equal(after!.publicKey, before!.publicKey, 'the same key pair');
      assert.notEqual(after!.sealedForProvisioning, before!.sealedForProvisioning, 'sealed anew');
      assert.ok(
        (await sys.store.listActivity({ limit: 50 })).some((entry) => entry.action === 'group_keys.resealed'),
      );

      // A bridge that never held the previous key (a restart between) cannot, and says why.
      sys.system.watcher.stop();
      const newest = await sys.regenerate();
      const restarted = await watcherOfAnotherBridge(sys, newest, { intervalSeconds: 300 });
      await signUp(sys.store, second.body.id);
      const failed = await restarted.runNow();
      assert.equal(failed.failed, 1);
      assert.match(restarted.watcherStatus().failures[0]!.reason, /sealed for another provisioning key/);
      assert.equal((await sys.store.getMember(second.body.id))?.state, 'pending');
    } finally {
      await sys.close();
    }
  });
});

describe('provision watcher: sign-ups', () => {
  test('a new sign-up is confirmed within moments, without waiting for the interval', async () => {
    const sys = await startTestSystem();
    try {
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'quick@example.com',
      });
      sys.system.watcher.stop();
      // An hour between runs: only the sign-up counter can make this watcher run again soon.
      const watcher = await watcherOfAnotherBridge(sys, sys.token, {
        intervalSeconds: 3600,
        signUpPollMs: 25,
      });
      watcher.start();
      await watcher.runNow();
      const runsBefore = watcher.watcherStatus().runsTotal;
      await signUp(sys.store, created.body.id);
      const deadline = Date.now() + 10_000;
      while ((await sys.store.getMember(created.body.id))?.state !== 'active' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      watcher.stop();
      await watcher.runNow();
      assert.equal((await sys.store.getMember(created.body.id))?.state, 'active');
      const status = watcher.watcherStatus();
      assert.ok(status.runsTotal > runsBefore);
      assert.equal(status.intervalSeconds, 3600);
      assert.equal(status.confirmedTotal, 1);
      assert.equal(status.state, 'stopped');
    } finally {
      await sys.close();
    }
  });
});

describe('provision watcher: several bridges, one lease', needsRedis, () => {
  test('only the holder confirms; when it dies without letting go, another takes over once the lease ends', async () => {
    const sys = await startTestSystem();
    const prefix = `scimbridge-test:${randomIds()}:`;
    const redis = openSharedRedis({ url: TEST_REDIS_URL, logger: quiet(), prefix });
    try {
      const ids: string[] = [];
      for (let n = 0; n < 6; n++) {
        const res = await sys.scim('POST', '/Users', {
          schemas: [USER_SCHEMA],
          userName: `lease${n}@example.com`,
        });
        ids.push(res.body.id);
      }
      sys.system.watcher.stop();
      await sys.system.watcher.runNow();
      const leaseMs = 1500;
      const leases = [0, 1, 2].map(() =>
        createRedisLease({ name: 'provision-watcher', ttlMs: leaseMs, redis }),
      );
      // A bridge killed with SIGKILL never releases its lease: the watcher's stop() here cannot either.
      const unreleased = leases.map((lease): Lease => ({ ...lease, release: async () => {} }));
      const watchers = await Promise.all(
        unreleased.map((lease) =>
          watcherOfAnotherBridge(sys, sys.token, { intervalSeconds: 300, signUpPollMs: 50, lease }),
        ),
      );
      for (const watcher of watchers) watcher.start();
      const waitFor = async (what: string, check: () => Promise<boolean> | boolean) => {
        const deadline = Date.now() + 30_000;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`not within 30 s: ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      await waitFor('one watcher leads, two stand by', () => {
        const states = watchers.map((w) => w.watcherStatus().state).sort();
        return states.filter((state) => state === 'standby').length === 2;
      });
      const leader = watchers.find((w) => w.watcherStatus().state !== 'standby')!;
      for (const id of ids.slice(0, 3)) await signUp(sys.store, id);
      await waitFor('the first three confirmed', async () => {
        for (const id of ids.slice(0, 3))
          if ((await sys.store.getMember(id))?.state !== 'active') return false;
        return true;
      });
      assert.deepEqual(
        watchers.map((w) => w.watcherStatus().confirmedTotal).sort(),
        [0, 0, 3],
        'only the holder confirmed',
      );

      // The holder dies: no release, no renewal. Another takes the lease once it ends in Redis.
      leader.stop();
      for (const id of ids.slice(3)) await signUp(sys.store, id);
      await waitFor('the other three confirmed by a new holder', async () => {
        for (const id of ids.slice(3)) if ((await sys.store.getMember(id))?.state !== 'active') return false;
        return true;
      });
      const others = watchers.filter((w) => w !== leader);
      assert.deepEqual(others.map((w) => w.watcherStatus().confirmedTotal).sort(), [0, 3]);
      for (const watcher of watchers) watcher.stop();
      const ready = (await sys.store.listMail({ limit: 100 })).filter(
        (mail) => mail.template === 'account_ready',
      );
      assert.equal(ready.length, 6, 'one "account ready" mail each');
      assert.equal(new Set(ready.map((mail) => mail.to)).size, 6);
    } finally {
      const keys = await redis.client.keys(`${prefix}*`);
      if (keys.length > 0) await redis.client.del(...keys);
      await redis.close();
      await sys.close();
    }
  });
});
