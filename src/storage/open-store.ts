// PostgreSQL for a postgres:// URL (scale-out), else the SQLite file in the data folder.
import { join } from 'node:path';
import type { Store } from '../account/store.ts';
import { createPrivateFile, prepareDataDir } from '../data-dir.ts';
import { postgresOpenFailure, sqliteOpenFailure } from './open-failure.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export const SQLITE_FILE_NAME = 'scimbridge.db';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  if (isPostgresUrl(opts.databaseUrl)) {
    const url = opts.databaseUrl;
    // Loaded when configured: a server on SQLite never holds the PostgreSQL driver in memory.
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    return openPostgresStore({ connectionString: url }).catch((error: unknown) => {
      throw postgresOpenFailure(error, url);
    });
  }
  const file = join(opts.dataDir, SQLITE_FILE_NAME);
  try {
    // Private whatever the umask (issue 12): the directory 0700 and the file 0600 before SQLite
    // opens it; SQLite gives the -wal and -shm files the database file's mode.
    prepareDataDir(opts.dataDir);
    createPrivateFile(file);
    return await openSqliteStore({ path: file });
  } catch (error) {
    throw sqliteOpenFailure(error, opts.dataDir, file);
  }
}
