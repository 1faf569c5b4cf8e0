/**
 * A binary older than its database refuses to start (issue 13): the database records a
 * migration this release does not know, and the command ends with one line naming both
 * versions, before it changes anything.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrations } from '../../src/storage/migrations/index.ts';
import { openStore } from '../../src/storage/open-store.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { SchemaTooNewError } from '../../src/storage/schema-version.ts';
import { VERSION } from '../../src/version.ts';
import { execCli } from '../support/processes.ts';
import { needsPostgres, TEST_DATABASE_URL } from '../support/requirements.ts';

const FUTURE = migrations.length + 1;
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

test('an older binary refuses a SQLite database a newer one migrated, in one line, and leaves it alone', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-downgrade-'));
  dirs.push(dataDir);
  await (await openStore({ dataDir })).close();
  const file = path.join(dataDir, 'scimbridge.db');
  const db = new Database(file);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
    FUTURE,
    'from-a-newer-release',
    new Date().toISOString(),
  );
  db.close();

  for (const args of [
    ['start', '--data-dir', dataDir, '--console-port', '0', '--bridge-port', '0'],
    ['account', 'serve', '--data-dir', dataDir, '--console-port', '0'],
    ['group', 'list', '--data-dir', dataDir],
  ]) {
    const ended = await execCli(args, { PATH: process.env.PATH ?? '', SCIMBRIDGE_LOG_LEVEL: 'warn' });
    assert.equal(ended.code, 1, `${args.join(' ')}: ${ended.stderr}`);
    const lines = ended.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line from ${args.join(' ')}, got:\n${ended.stderr}`);
    assert.equal(
      lines[0],
      `scimbridge: the database is at schema version ${FUTURE}, newer than this scimbridge ${VERSION} knows (${migrations.length}): run the release that upgraded it or a newer one, or restore a backup made before the upgrade`,
    );
  }
  const reopened = new Database(file, { readonly: true });
  const versions = reopened.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number };
  reopened.close();
  assert.equal(versions.v, FUTURE, 'the newer record is still there');
});

test('an older binary refuses a PostgreSQL database a newer one migrated', needsPostgres, async () => {
  const schema = `downgrade_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await (await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })).close();
    await admin.query(
      `INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES ($1, 'from-a-newer-release', $2)`,
      [FUTURE, new Date().toISOString()],
    );
    await assert.rejects(
      openPostgresStore({ connectionString: TEST_DATABASE_URL, schema }),
      (error: unknown) =>
        error instanceof SchemaTooNewError &&
        error.databaseVersion === FUTURE &&
        error.knownVersion === migrations.length,
    );
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
});
