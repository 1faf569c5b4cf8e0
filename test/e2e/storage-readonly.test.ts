/**
 * Database errors that mean "cannot be written now", produced for real by both databases,
 * become `storage_unavailable`: 503 with Retry-After for an IdP. Other errors stay what they
 * are (a 500 whose cause is in the log).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { asStorageFailure } from '../../src/account/storage-failure.ts';
import { toScimError } from '../../src/bridge/scim/errors.ts';

const POSTGRES = process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function caught(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the database to refuse');
}

test('SQLite: a read-only database file is storage_unavailable, 503 with Retry-After', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-ro-'));
  try {
    const file = path.join(dir, 'db');
    const writable = new Database(file);
    writable.exec('CREATE TABLE t (x TEXT)');
    writable.close();
    const readOnly = new Database(file, { readonly: true });
    const error = await caught(() => readOnly.prepare("INSERT INTO t VALUES ('x')").run());
    readOnly.close();
    assert.equal(asStorageFailure(error)?.code, 'storage_unavailable');
    assert.match(asStorageFailure(error)!.message, /read-only; nothing was changed/);
    const scim = toScimError(error);
    assert.equal(scim.status, 503);
    assert.equal(scim.retryAfter, 30);
    // A mistake in SQL is not an outage.
    const other = await caught(() => new Database(':memory:').exec('SELEC 1'));
    assert.equal(asStorageFailure(other), undefined);
    assert.equal(toScimError(other).status, 500);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: a read-only transaction is storage_unavailable, 503 with Retry-After', async () => {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const error = await caught(() => client.query('CREATE TEMP TABLE scimbridge_ro_probe (x text)'));
    await client.query('ROLLBACK');
    assert.equal((error as { code?: string }).code, '25006');
    assert.equal(asStorageFailure(error)?.code, 'storage_unavailable');
    assert.equal(toScimError(error).status, 503);
    const other = await caught(() => client.query('SELEC 1'));
    assert.equal(asStorageFailure(other), undefined);
  } finally {
    await client.end();
  }
});
