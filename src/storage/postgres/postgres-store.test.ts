import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';
import { describeAccessContract } from '../access-contract.ts';
import { describeStoreContract, makeGroup, makeMember } from '../contract.ts';
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

test('a locked read of a vault’s grants waits for an uncommitted change of them (P18)', async () => {
  const schema = freshSchema();
  const store = await openPostgresStore({ connectionString, schema, poolSize: 2 });
  const writer = new pg.Client({ connectionString });
  const watcher = new pg.Client({ connectionString });
  await writer.connect();
  await watcher.connect();
  try {
    const at = '2024-01-01T00:00:00.000Z';
    await store.insertVault({ id: 'v1', name: 'Finance', createdAt: at });
    for (const id of ['g1', 'g2']) {
      await store.insertGroup(makeGroup(id));
      await store.insertGroupKey({
        groupId: id,
        publicKey: `pub-${id}`,
        sealedForProvisioning: null,
        createdAt: at,
      });
      await store.saveVaultGrant({
        vaultId: 'v1',
        groupId: id,
        sealedVaultKey: 's',
        createdAt: at,
        permission: 'manage',
      });
    }
    await writer.query('BEGIN');
    await writer.query(`UPDATE ${schema}.vault_grants SET permission = 'view' WHERE group_id = 'g1'`);
    let settled = false;
    const read = store
      .transaction((tx) => tx.lockVaultGrants('v1'))
      .finally(() => {
        settled = true;
      });
    // Until the read either answers or is seen waiting for the writer's row lock.
    let waiting = false;
    while (!settled && !waiting) {
      const { rows } = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' " +
          "AND pid <> pg_backend_pid() AND query LIKE '%FROM vault_grants WHERE vault_id%FOR UPDATE'",
      );
      waiting = rows[0].n > 0;
    }
    assert.equal(settled, false, 'the read did not answer with the grants as they were before the change');
    await writer.query('COMMIT');
    assert.deepEqual(
      (await read).map((grant) => [grant.groupId, grant.permission]),
      [
        ['g1', 'view'],
        ['g2', 'manage'],
      ],
    );
  } finally {
    await writer.end();
    await watcher.end();
    await store.close();
  }
});

test('the database keeps a member profile a JSON object, whoever writes it', async () => {
  const schema = freshSchema();
  const store = await openPostgresStore({ connectionString, schema, poolSize: 1 });
  await store.transaction((tx) => tx.insertMember(makeMember('m1', { profile: { title: 'T' } })));
  await store.close();
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    // The schema's triggers name its tables unqualified, as the store's sessions see them.
    await client.query(`SET search_path TO ${schema}`);
    const write = (text: string) =>
      client.query(`UPDATE ${schema}.members SET profile = $1::jsonb WHERE id = 'm1'`, [text]);
    for (const text of ['[1]', '"text"', 'null', '1']) {
      await assert.rejects(write(text), /members_profile_object/, text);
    }
    await assert.rejects(write('{"a":[1,]}'), /invalid input syntax for type json/);
    await write('{"title":"Boss"}');
    const { rows } = await client.query(`SELECT profile FROM ${schema}.members WHERE id = 'm1'`);
    assert.deepEqual(rows[0].profile, { title: 'Boss' });
  } finally {
    await client.end();
  }
});

test('migration 17 gives the grants made before it manage (P18)', async () => {
  const schema = freshSchema();
  const at = '2024-01-01T00:00:00.000Z';
  const before = await openPostgresStore({ connectionString, schema, poolSize: 1 });
  await before.insertGroup(makeGroup('g1'));
  await before.insertGroupKey({
    groupId: 'g1',
    publicKey: 'pub',
    sealedForProvisioning: null,
    createdAt: at,
  });
  await before.insertVault({ id: 'v1', name: 'Finance', createdAt: at });
  await before.close();
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    // The schema as version 16 left it, holding one grant.
    await client.query(`ALTER TABLE ${schema}.vault_grants DROP COLUMN permission`);
    await client.query(`DELETE FROM ${schema}.schema_migrations WHERE version = 17`);
    await client.query(
      `INSERT INTO ${schema}.vault_grants (vault_id, group_id, sealed_vault_key, created_at) VALUES ('v1', 'g1', 's', $1)`,
      [at],
    );
  } finally {
    await client.end();
  }
  const migrated = await openPostgresStore({ connectionString, schema, poolSize: 1 });
  try {
    assert.deepEqual(
      (await migrated.listVaultGrants('v1')).map((grant) => grant.permission),
      ['manage'],
    );
  } finally {
    await migrated.close();
  }
});
