import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeStoreContract } from '../contract.ts';
import { migrations } from '../migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'scimbridge-sqlite-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let fileCount = 0;

describeStoreContract('SQLite in memory', () => openSqliteStore({ path: ':memory:' }));
describeStoreContract('SQLite file', () =>
  openSqliteStore({ path: join(folder, `db-${fileCount++}`, 'scimbridge.db') }),
);

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
