/**
 * The bulk seed of large sizes (bench/seed.ts) against the real bench server at a tiny size:
 * the seeded users are the rows a SCIM create makes, the workloads find them through SCIM,
 * and W5 deactivates the asked number spread over seeded and created users alike.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startServerUnderTest } from './server-process.ts';
import { runSuite } from './workloads.ts';

const USERS = 50;
const SEEDED = 40;

test('seeded users are the rows a SCIM create makes, and every workload finds them', {
  timeout: 300_000,
}, async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scimbridge-bench-seed-'));
  const server = await startServerUnderTest({
    args: ['--data-dir', dataDir],
    // The server starts through tsx on what may be a loaded machine.
    startTimeoutMs: 120_000,
  });
  let ids: string[] = [];
  try {
    const results = await runSuite(
      { server, concurrency: 4, requestTimeoutMs: 60_000, maxDurationMs: 120_000 },
      {
        users: USERS,
        seeded: SEEDED,
        deactivations: 10,
        lookups: 200,
        memberRequests: 2,
        batchRequests: 2,
        batchSize: 5,
        bigGroupSize: 20,
        buildBatchSize: 10,
        sweepPages: 1,
        only: ['W2', 'W4', 'W5'],
        log: () => {},
      },
    );
    assert.deepEqual(
      results.map((measurement) => [measurement.key, measurement.requests, measurement.failed]),
      [
        ['W1', USERS - SEEDED, 0],
        // Each lookup must find the id the seed or W1 reported for that user.
        ['W2', 200, 0],
        // Each page must be full and the sweep must see all 50 users once.
        ['W4', 1, 0],
        ['W5', 10, 0],
      ],
    );
    assert.deepEqual(results.find((measurement) => measurement.key === 'W4')?.problems, []);
    const page = (await (
      await fetch(`${server.bridgeAddress}/scim/v2/Users?count=100`, {
        headers: { authorization: `Bearer ${server.token}` },
      })
    ).json()) as { Resources: Array<{ id: string; userName: string }> };
    ids = page.Resources.filter((user) => user.userName.startsWith('bench.user'))
      .sort((a, b) => Number(/\d+/.exec(a.userName)![0]) - Number(/\d+/.exec(b.userName)![0]))
      .map((user) => user.id);
  } finally {
    await server.stop();
  }
  try {
    const db = new Database(path.join(dataDir, 'scimbridge.db'), { readonly: true });
    // `bench-user-41` and `bench-user-1` alike: the index is the only difference.
    db.function('regexp_free', (text: unknown) => String(text).replace(/\d+$/, 'N'));
    const rowsOf = (id: string) => {
      const count = (sql: string) => (db.prepare(sql).get(id) as { n: number }).n;
      const member = db
        .prepare(
          'SELECT state, role, managed, scim_deleted, regexp_free(external_id) AS external_id FROM members WHERE id = ?',
        )
        .get(id) as { state: string };
      return {
        ...member,
        invitations: count('SELECT count(*) AS n FROM invitations WHERE member_id = ?'),
        queuedMail: count(
          "SELECT count(*) AS n FROM outbox WHERE json_extract(data, '$.memberId') = ? AND state = 'queued'",
        ),
        activity: db
          .prepare('SELECT action FROM activity WHERE target_id = ? ORDER BY seq')
          .all(id)
          .map((row) => (row as { action: string }).action),
        groups: db
          .prepare(
            'SELECT g.display_name AS name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.member_id = ?',
          )
          .all(id)
          .map((row) => (row as { name: string }).name),
      };
    };
    assert.equal(ids.length, USERS);
    const seeded = rowsOf(ids[1]!);
    const created = rowsOf(ids[41]!);
    assert.deepEqual(seeded, created);
    assert.equal(seeded.state, 'invited');
    assert.equal(seeded.invitations, 1);
    assert.equal(seeded.queuedMail, 1);
    // Both a seeded (0) and a created (45) user were deactivated.
    assert.equal(rowsOf(ids[0]!).state, 'suspended');
    assert.equal(rowsOf(ids[45]!).state, 'suspended');
    const suspended = db.prepare("SELECT count(*) AS n FROM members WHERE state = 'suspended'").get() as {
      n: number;
    };
    assert.equal(suspended.n, 10);
    db.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
