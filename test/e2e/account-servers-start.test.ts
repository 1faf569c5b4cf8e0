/**
 * Account servers starting together on an empty PostgreSQL (issue 13): the migrations run
 * once (advisory lock) and the first start's set-up makes one account, one set of built-in
 * groups and one owner (transaction-scoped advisory lock), whichever server gets there first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { ensureAccount } from '../../src/account/ensure-account.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { needsPostgres, TEST_DATABASE_URL } from '../support/requirements.ts';

describe('account servers starting together', needsPostgres, () => {
  test('four at once: migrations recorded once each, one account, one owner, one of each built-in group', async () => {
    const schema = `start_${randomBytes(6).toString('hex')}`;
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })),
    );
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    await db.connect();
    try {
      const results = await Promise.all(
        stores.map((store) =>
          ensureAccount(
            { store, clock: systemClock, ids: randomIds },
            { name: 'Acme', ownerEmail: 'owner@acme.test' },
          ),
        ),
      );
      assert.equal(results.filter((result) => result.created).length, 1, 'one server made the account');
      assert.equal(new Set(results.map((result) => result.account.id)).size, 1);
      assert.equal(new Set(results.map((result) => result.owner.id)).size, 1);
      const versions = await db.query(
        'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version',
      );
      assert.ok(versions.rows.length > 0 && versions.rows.every((row) => row.n === 1));
      const owners = await db.query("SELECT count(*)::int AS n FROM members WHERE role = 'owner'");
      assert.equal(owners.rows[0].n, 1);
      const kinds = await db.query('SELECT kind, count(*)::int AS n FROM groups GROUP BY kind');
      for (const row of kinds.rows) assert.equal(row.n, 1, `one ${row.kind} group`);
    } finally {
      await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await db.end();
      for (const store of stores) await store.close();
    }
  });
});
