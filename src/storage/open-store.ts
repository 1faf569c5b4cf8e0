/**
 * Picks the Store from configuration: PostgreSQL when a postgres:// URL is given (the
 * scale-out mode), else the embedded SQLite file under the data folder.
 */
import { join } from 'node:path';
import type { Store } from '../account/store.ts';
import { createPrivateFile, prepareDataDir } from '../data-dir.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export const SQLITE_FILE_NAME = 'scimbridge.db';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  if (isPostgresUrl(opts.databaseUrl)) return openPostgresStore({ connectionString: opts.databaseUrl });
  // Private whatever the umask (issue 12): the directory 0700 and the file 0600 before SQLite
  // opens it; SQLite gives the -wal and -shm files the database file's mode.
  const file = join(opts.dataDir, SQLITE_FILE_NAME);
  prepareDataDir(opts.dataDir);
  createPrivateFile(file);
  return openSqliteStore({ path: file });
}
