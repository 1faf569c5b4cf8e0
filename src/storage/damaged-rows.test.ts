/**
 * A damaged activity row (its detail not JSON, or JSON that is not an object: a row written by
 * hand or cut short) is listed with its text as read, on both databases, instead of failing
 * the Activity page, `member show` and every page after it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { ACTIVITY } from './rows.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

const connectionString =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AT = '2026-01-01T00:00:00.000Z';
const INSERT = 'INSERT INTO activity (id, at, actor, action, target_type, target_id, detail) VALUES';

test('the row mapper reads a damaged detail as its text and a sound one as it is', () => {
  const row = (detail: unknown) => ({
    id: 'a',
    at: AT,
    actor: 'admin',
    action: 'member.suspended',
    target_type: 'member',
    target_id: 'm',
    detail,
  });
  assert.deepEqual(ACTIVITY.fromRow(row('{"by":"ops"}')).detail, { by: 'ops' });
  assert.deepEqual(ACTIVITY.fromRow(row({ by: 'ops' })).detail, { by: 'ops' });
  assert.deepEqual(ACTIVITY.fromRow(row('{"by":')).detail, { unreadable: '{"by":' });
  assert.deepEqual(ACTIVITY.fromRow(row('null')).detail, { unreadable: 'null' });
  assert.deepEqual(ACTIVITY.fromRow(row([1, 2])).detail, { unreadable: '[1,2]' });
  assert.deepEqual(ACTIVITY.fromRow(row(null)).detail, { unreadable: 'null' });
  assert.deepEqual(ACTIVITY.fromValues(Object.values(row('x'))).detail, { unreadable: 'x' });
});

test('SQLite: a cut-short detail is listed as its text, the sound rows around it as they were', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimbridge-damaged-'));
  const path = join(dir, 'scimbridge.db');
  try {
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.exec(
      `${INSERT} ('a-1', '${AT}', 'admin', 'member.suspended', 'member', 'm', '{"by":"ops"}'),` +
        ` ('a-2', '${AT}', 'admin', 'member.suspended', 'member', 'm', '{"by":'),` +
        ` ('a-3', '${AT}', 'admin', 'member.suspended', 'member', 'm', 'null')`,
    );
    db.close();
    const store = await openSqliteStore({ path });
    try {
      const listed = await store.listActivity({ limit: 10, action: 'member.suspended' });
      assert.deepEqual(
        listed.map((entry) => entry.detail),
        [{ unreadable: 'null' }, { unreadable: '{"by":' }, { by: 'ops' }],
      );
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: a detail that is JSON but not an object is listed as its text', async () => {
  const schema = `t_damaged_${randomBytes(4).toString('hex')}`;
  const store = await openPostgresStore({ connectionString, schema, poolSize: 1 });
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(
      `${INSERT.replace('activity', `${schema}.activity`)} ` +
        `('a-1', '${AT}', 'admin', 'member.suspended', 'member', 'm', '{"by":"ops"}'), ` +
        `('a-2', '${AT}', 'admin', 'member.suspended', 'member', 'm', '[1,2]')`,
    );
    const listed = await store.listActivity({ limit: 10 });
    assert.deepEqual(
      listed.map((entry) => entry.detail),
      [{ unreadable: '[1,2]' }, { by: 'ops' }],
    );
  } finally {
    await store.close();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
});
