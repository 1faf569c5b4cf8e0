/**
 * A throwaway store for one benchmark run: a SQLite file in a new temporary directory, or a
 * PostgreSQL schema of its own (`bench_<name>_<pid>`). `close` closes the store and removes
 * both the directory and the schema.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Store } from '../src/account/store.ts';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.ts';

export interface BenchStore {
  store: Store;
  /** The PostgreSQL schema the store uses (named also when the database is SQLite). */
  schema: string;
  close(): Promise<void>;
}

export async function openBenchStore(options: {
  /** Names the temporary directory and the schema: `scimbridge-<name>-…`, `bench_<name>_<pid>`. */
  name: string;
  database: 'sqlite' | 'postgres';
  postgresUrl: string;
}): Promise<BenchStore> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `scimbridge-${options.name}-`));
  const schema = `bench_${options.name}_${process.pid}`;
  const store: Store =
    options.database === 'sqlite'
      ? await openSqliteStore({ path: path.join(dataDir, 'scimbridge.db') })
      : await openPostgresStore({ connectionString: options.postgresUrl, schema });
  return {
    store,
    schema,
    async close() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
      if (options.database === 'postgres') {
        const admin = new pg.Client({ connectionString: options.postgresUrl });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    },
  };
}
