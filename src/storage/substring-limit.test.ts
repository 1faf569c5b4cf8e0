/**
 * Substring filters are counted only up to SUBSTRING_MATCH_LIMIT matches (list-query.ts):
 * beyond it the answer is 400 tooMany, on both databases; within it the totals are exact.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import type { Store } from '../account/store.ts';
import { ScimError } from '../scim/errors.ts';
import { parseFilter } from '../scim/filter/parse.ts';
import { makeMember } from './contract.ts';
import { SUBSTRING_MATCH_LIMIT } from './list-query.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

const connectionString =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_substr_${randomBytes(4).toString('hex')}`;

after(async () => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
});

const stores: Array<[string, () => Promise<Store>]> = [
  ['SQLite', () => openSqliteStore({ path: ':memory:' })],
  ['PostgreSQL', () => openPostgresStore({ connectionString, schema, poolSize: 2 })],
];

for (const [name, open] of stores) {
  describe(`substring filters are bounded (${name})`, () => {
    test(`up to ${SUBSTRING_MATCH_LIMIT} matches are counted exactly; more is 400 tooMany`, async () => {
      const store = await open();
      try {
        const n = SUBSTRING_MATCH_LIMIT + 5;
        await store.transaction(async (tx) => {
          for (let i = 0; i < n; i++) {
            const userName = `${i < SUBSTRING_MATCH_LIMIT ? 'within' : 'beyond'}${i}@example.com`;
            await tx.insertMember(makeMember(`m${i}`, { userName, email: userName }));
          }
        });
        const list = (filter: string, count = 10) =>
          store.listMembers({ filter: parseFilter(filter), startIndex: 1, count });
        assert.equal((await list('userName sw "within"')).total, SUBSTRING_MATCH_LIMIT);
        assert.equal((await list('userName ew "@example.com" and userName sw "beyond"')).total, 5);
        assert.equal((await list('userName co "1"', 0)).total > 0, true);
        for (const filter of ['userName co "@example"', 'userName ew ".com"', 'not (userName sw "x")']) {
          await assert.rejects(list(filter), (error: unknown) => {
            assert.ok(error instanceof ScimError, String(error));
            assert.equal(error.status, 400);
            assert.equal(error.scimType, 'tooMany');
            assert.match(error.detail, /more than 1,000 users/);
            return true;
          });
        }
        // A full page of the whole table without a substring filter is still counted exactly.
        assert.equal((await list('userName pr')).total, n);
      } finally {
        await store.close();
      }
    });
  });
}
