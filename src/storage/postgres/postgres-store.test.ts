import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';
import { describeAccessContract } from '../access-contract.ts';
import { describeStoreContract } from '../contract.ts';
import { describeKeyChainContract } from '../key-chain-contract.ts';
import { migrations } from '../migrations/index.ts';
import { describeMonitoringContract } from '../monitoring-contract.ts';
import { describePeopleContract } from '../people-contract.ts';
import { describeRequestLogContract } from '../request-log-contract.ts';
import { openPostgresStore } from './postgres-store.ts';

const connectionString =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const run = `t_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];

function freshSchema(): string {
  const schema = `${run}_${schemas.length}`;
  schemas.push(schema);
  return schema;
}

after(async () => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
});

describeStoreContract('PostgreSQL', () =>
  openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 4 }),
);

describeRequestLogContract('PostgreSQL', () =>
  openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 4 }),
);
describeMonitoringContract('PostgreSQL', () =>
  openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 4 }),
);

describeKeyChainContract('PostgreSQL', () =>
  openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 4 }),
);

describeAccessContract('PostgreSQL', () =>
  openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 4 }),
);

describePeopleContract('PostgreSQL', () =>
  openPostgresStore({ connectionString, schema: freshSchema(), poolSize: 4 }),
);

test('servers starting at once migrate one schema exactly once', async () => {
  const schema = freshSchema();
  const stores = await Promise.all(
    [1, 2, 3].map(() => openPostgresStore({ connectionString, schema, poolSize: 1 })),
  );
  await Promise.all(stores.map((store) => store.close()));
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    assert.deepEqual(
      rows,
      migrations.map((migration) => ({ version: migration.version })),
    );
  } finally {
    await client.end();
  }
});

test('a schema name that is not a plain identifier is refused', async () => {
  await assert.rejects(openPostgresStore({ connectionString, schema: 'x; drop table y' }), /schema must be/);
});
