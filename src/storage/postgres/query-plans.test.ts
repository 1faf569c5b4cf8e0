import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { KEY_LOOKUPS, lookupQuery, PEOPLE_PLANS } from '../../../test/support/query-plans.ts';
import { postgresDialect } from '../dialect.ts';
import { peopleSql } from '../people-sql.ts';
import { openPostgresStore } from './postgres-store.ts';

const connectionString =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `plans_${randomBytes(4).toString('hex')}`;
let client: pg.Client;

before(async () => {
  await (await openPostgresStore({ connectionString, schema, poolSize: 1 })).close();
  client = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  await client.connect();
  // Tiny test tables always favour a sequential scan; forbid it so the plan shows whether
  // an index can serve the query at all.
  await client.query('SET enable_seqscan = off');
});
after(async () => {
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
});

for (const lookup of KEY_LOOKUPS) {
  const index = lookup.postgresIndex ?? lookup.index;
  test(`PostgreSQL: ${lookup.label} is served by ${index}`, async () => {
    const { sql, params } = lookupQuery(postgresDialect, lookup);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(plan, new RegExp(`(Index (Only )?Scan using|Bitmap Index Scan on) ${index}`), plan);
    assert.doesNotMatch(plan, /Seq Scan on (members|groups)\b/, plan);
  });
}

for (const { label, query, postgres: indexes } of PEOPLE_PLANS) {
  test(`PostgreSQL: people list, ${label}, is served by ${indexes.join(', ')}`, async () => {
    const { sql, params } = peopleSql('postgres', query);
    let position = 0;
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${sql.replace(/\?/g, () => `$${++position}`)}`,
      params,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    for (const index of indexes)
      assert.match(plan, new RegExp(`(Index (Only )?Scan using|Bitmap Index Scan on) ${index}\\b`), plan);
    assert.doesNotMatch(plan, /Seq Scan on members\b/, plan);
  });
}
