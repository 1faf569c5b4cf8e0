/**
 * Picks the Store from configuration: PostgreSQL when a postgres:// URL is given (the
 * scale-out mode), else the embedded SQLite file under the data folder. A database that
 * cannot be opened is a `StoreOpenError` whose message says what to fix.
 */
import { join } from 'node:path';
import type { Store } from '../account/store.ts';
import { postgresOpenFailure, sqliteOpenFailure } from './open-failure.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export const SQLITE_FILE_NAME = 'scimbridge.db';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  if (isPostgresUrl(opts.databaseUrl)) {
    const url = opts.databaseUrl;
    return openPostgresStore({ connectionString: url }).catch((error: unknown) => {
      throw postgresOpenFailure(error, url);
    });
  }
  const file = join(opts.dataDir, SQLITE_FILE_NAME);
  return openSqliteStore({ path: file }).catch((error: unknown) => {
    throw sqliteOpenFailure(error, opts.dataDir, file);
  });
}
