import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type Store, UniqueViolation } from '../../account/store.ts';
import { describeAccessContract } from '../access-contract.ts';
import { describeStoreContract, makeGroup, makeMail, makeMember } from '../contract.ts';
import { describeKeyChainContract } from '../key-chain-contract.ts';
import { migrations } from '../migrations/index.ts';
import { describeMonitoringContract } from '../monitoring-contract.ts';
import { describePeopleContract } from '../people-contract.ts';
import { describeRequestLogContract } from '../request-log-contract.ts';
import { openSqliteStore } from './sqlite-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'scimbridge-sqlite-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let fileCount = 0;

describeStoreContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));
describeStoreContract('SQLite file', () =>
  openSqliteStore({ path: join(folder, `db-${fileCount++}`, 'scimbridge.db') }),
);

describeRequestLogContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));
describeMonitoringContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));
describeKeyChainContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));
describeKeyChainContract('SQLite file', () =>
  openSqliteStore({ path: join(folder, `kc-${fileCount++}`, 'scimbridge.db') }),
);

describeAccessContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));
describePeopleContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));

test('a file database is created with WAL and its migrations recorded once', async () => {
  const path = join(folder, 'nested', 'dir', 'x.db');
  await (await openSqliteStore({ path })).close();
  await (await openSqliteStore({ path })).close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(
      db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(),
      migrations.map((migration) => ({ version: migration.version })),
    );
  } finally {
    db.close();
  }
});

test('migration 10 gives groups made before it their name keys', async () => {
  const path = join(folder, 'before-v9', 'x.db');
  const store = await openSqliteStore({ path });
  await store.insertGroup(makeGroup('g1', { displayName: 'Ops' }));
  await store.close();
  // The database as version 9 left it.
  const db = new Database(path);
  db.exec('DROP INDEX groups_name_key; ALTER TABLE groups DROP COLUMN name_key');
  db.prepare('DELETE FROM schema_migrations WHERE version = 10').run();
  db.close();
  const migrated = await openSqliteStore({ path });
  try {
    assert.equal((await migrated.findGroupByDisplayName('OPS'))?.id, 'g1');
    await assert.rejects(migrated.insertGroup(makeGroup('g2', { displayName: 'ops' })), UniqueViolation);
  } finally {
    await migrated.close();
  }
});

test('the database keeps a member profile a strict JSON object, whoever writes it', async () => {
  const path = join(folder, 'profile-objects', 'x.db');
  const store = await openSqliteStore({ path });
  await store.transaction((tx) => tx.insertMember(makeMember('m1', { profile: { title: 'T' } })));
  await store.close();
  const db = new Database(path);
  try {
    const write = (text: string) => db.prepare('UPDATE members SET profile = ? WHERE id = ?').run(text, 'm1');
    // JSON5 that SQLite's own JSON functions would read, and JSON that is not an object.
    for (const text of [
      '{"a":[1,]}',
      "{'a':1}",
      '{"a":1 /* note */}',
      '[1]',
      '"text"',
      'null',
      '{"a":1',
      ' {"a":1}',
    ]) {
      assert.throws(() => write(text), /members.profile must be a JSON object|malformed JSON/, text);
    }
    assert.throws(
      () =>
        db
          .prepare(
            'INSERT INTO members (id, user_name, email, state, role, managed, scim_deleted, profile, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            'm2',
            'u2',
            'u2@example.com',
            'active',
            'member',
            0,
            0,
            '{"a":1,}',
            '2024-01-01',
            '2024-01-01',
            1,
          ),
      /members.profile must be a JSON object/,
    );
    write('{"title":"Boss","emails":[]}');
    assert.equal(
      (db.prepare('SELECT profile FROM members WHERE id = ?').get('m1') as { profile: string }).profile,
      '{"title":"Boss","emails":[]}',
    );
  } finally {
    db.close();
  }
});

test('migration 17 gives the grants made before it manage (P18)', async () => {
  const path = join(folder, 'before-v17', 'x.db');
  const at = '2024-01-01T00:00:00.000Z';
  const store = await openSqliteStore({ path });
  await store.insertGroup(makeGroup('g1'));
  await store.insertGroupKey({ groupId: 'g1', publicKey: 'pub', sealedForProvisioning: null, createdAt: at });
  await store.insertVault({ id: 'v1', name: 'Finance', createdAt: at });
  await store.close();
  // The database as version 16 left it, holding one grant.
  const db = new Database(path);
  db.exec('ALTER TABLE vault_grants DROP COLUMN permission');
  db.prepare('DELETE FROM schema_migrations WHERE version = 17').run();
  db.prepare(
    "INSERT INTO vault_grants (vault_id, group_id, sealed_vault_key, created_at) VALUES ('v1', 'g1', 's', ?)",
  ).run(at);
  db.close();
  const migrated = await openSqliteStore({ path });
  try {
    assert.deepEqual(
      (await migrated.listVaultGrants('v1')).map((grant) => grant.permission),
      ['manage'],
    );
  } finally {
    await migrated.close();
  }
});

describe('group commit: transactions that come while a COMMIT waits share it', () => {
  /** Runs `run` on a store on a fresh file, with a second connection that sees only what is committed. */
  async function withObserver(
    run: (it: { store: Store; committed: (id: string) => boolean }) => Promise<void>,
  ): Promise<void> {
    const path = join(folder, `group-${fileCount++}`, 'scimbridge.db');
    const store = await openSqliteStore({ path });
    const observer = new Database(path, { readonly: true });
    const count = observer.prepare('SELECT count(*) AS n FROM members WHERE id = ?');
    try {
      await run({ store, committed: (id) => (count.get(id) as { n: number }).n === 1 });
    } finally {
      observer.close();
      await store.close();
    }
  }

  test('each transaction resolves only once its writes are committed', async () => {
    await withObserver(async ({ store, committed }) => {
      const ids = Array.from({ length: 5 }, (_, i) => `t${i}`);
      const seenAtResolve = await Promise.all(
        ids.map((id) => store.transaction((tx) => tx.insertMember(makeMember(id))).then(() => committed(id))),
      );
      assert.deepEqual(seenAtResolve, [true, true, true, true, true]);
    });
  });

  test('a writer that comes a turn later joins the waiting COMMIT', async () => {
    await withObserver(async ({ store, committed }) => {
      const first = store.transaction((tx) => tx.insertMember(makeMember('early')));
      // Two turns: a COMMIT after the first turn, as it once was, would be done by now.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(
        committed('early'),
        false,
        'the first turn brought a transaction: the COMMIT waits another',
      );
      const second = store.transaction((tx) => tx.insertMember(makeMember('later')));
      await first;
      assert.ok(committed('later'), "the later writer shared the first one's COMMIT");
      await second;
    });
  });

  test('a lone writer commits once a turn brings no other', async () => {
    await withObserver(async ({ store, committed }) => {
      const writing = store.transaction((tx) => tx.insertMember(makeMember('alone')));
      // The turn that brought it, then one without a writer: the COMMIT is done after both.
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(committed('alone'));
      await writing;
    });
  });

  test('a read made while a batch waits for its COMMIT answers only after it', async () => {
    await withObserver(async ({ store, committed }) => {
      let worked!: () => void;
      const workDone = new Promise<void>((resolve) => {
        worked = resolve;
      });
      const writing = store.transaction(async (tx) => {
        await tx.insertMember(makeMember('w'));
        worked();
      });
      await workDone;
      for (let i = 0; i < 5; i++) await Promise.resolve();
      assert.equal(committed('w'), false, 'the batch is open, its COMMIT still to come');
      const read = await store.getMember('w').then((member) => ({ member, committed: committed('w') }));
      assert.equal(read.member?.id, 'w', 'the read sees the write');
      assert.equal(read.committed, true, 'but hears of it only once it is committed');
      await writing;
    });
  });

  test('a failing transaction takes back only its own writes', async () => {
    await withObserver(async ({ store, committed }) => {
      const results = await Promise.allSettled([
        store.transaction((tx) => tx.insertMember(makeMember('ok-1'))),
        store.transaction(async (tx) => {
          await tx.insertMember(makeMember('bad'));
          await tx.enqueueMail(makeMail('bad-mail'));
          throw new Error('no');
        }),
        store.transaction(async (tx) => {
          await tx.insertMember(makeMember('dup', { userName: 'ok-1-user' }));
        }),
        store.transaction((tx) => tx.insertMember(makeMember('ok-2'))),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
      );
      assert.ok(committed('ok-1') && committed('ok-2'));
      assert.equal(committed('bad') || committed('dup'), false);
      assert.equal(await store.getMail('bad-mail'), undefined);
      assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 2);
    });
  });

  test('many concurrent transactions (more than one batch holds) all land', async () => {
    await withObserver(async ({ store, committed }) => {
      const ids = Array.from({ length: 100 }, (_, i) => `n${i}`);
      await Promise.all(ids.map((id) => store.transaction((tx) => tx.insertMember(makeMember(id)))));
      assert.ok(ids.every(committed));
      assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 100);
    });
  });

  test('close commits a batch still waiting for its turn', async () => {
    const path = join(folder, `group-${fileCount++}`, 'scimbridge.db');
    const store = await openSqliteStore({ path });
    const writing = store.transaction((tx) => tx.insertMember(makeMember('last')));
    await Promise.resolve();
    await Promise.resolve();
    await store.close();
    await writing;
    const reopened = await openSqliteStore({ path });
    try {
      assert.ok(await reopened.getMember('last'));
    } finally {
      await reopened.close();
    }
  });
});

test('a failing statement inside a transaction is a rejected promise, not a synchronous throw', async () => {
  const store = await openSqliteStore({ path: ':memory:' });
  try {
    await store.transaction(async (tx) => {
      await tx.insertMember(makeMember('a'));
      let pending: Promise<void> | undefined;
      assert.doesNotThrow(() => {
        pending = tx.insertMember(makeMember('a'));
      });
      await assert.rejects(pending!, (error: Error) => error.name === 'UniqueViolation');
    });
    assert.ok(await store.getMember('a'));
  } finally {
    await store.close();
  }
});

test('a database at an older schema version gets only the later migrations, each recorded once', async () => {
  const path = join(folder, 'older', 'scimbridge.db');
  mkdirSync(dirname(path), { recursive: true });
  const older = new Database(path);
  older.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  for (const migration of migrations.slice(0, 5)) {
    older.exec(migration.sqlite);
    older
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(migration.version, migration.name, '2024-01-01T00:00:00.000Z');
  }
  older.close();
  const store = await openSqliteStore({ path });
  try {
    await store.insertMember(makeMember('kept'));
    await store.insertFirewallRule({
      id: 'r1',
      action: 'allow',
      kind: 'range',
      cidr: '10.0.0.0/8',
      note: null,
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    assert.equal((await store.listFirewallRules()).length, 1, 'migration 6 applied');
  } finally {
    await store.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version')
      .all() as Array<{
      version: number;
      applied_at: string;
    }>;
    assert.deepEqual(
      rows.map((row) => row.version),
      migrations.map((migration) => migration.version),
    );
    assert.equal(rows[4]!.applied_at, '2024-01-01T00:00:00.000Z', 'versions already applied are left alone');
  } finally {
    db.close();
  }
});
