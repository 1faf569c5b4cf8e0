/**
 * Picks the Store from configuration: PostgreSQL when a postgres:// URL is given (the
 * scale-out mode), else the embedded SQLite file under the data folder.
 */
import { join } from 'node:path';
import type { Store } from '../account/store.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export const SQLITE_FILE_NAME = 'scimbridge.db';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  if (isPostgresUrl(opts.databaseUrl)) return openPostgresStore({ connectionString: opts.databaseUrl });
  return openSqliteStore({ path: join(opts.dataDir, SQLITE_FILE_NAME) });
}
