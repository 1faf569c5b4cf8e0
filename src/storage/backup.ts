// Backup and restore of the SQLite database (issue 13): SQLite's online backup API copies a
// consistent snapshot while the server writes; a restore is put in place only once it opened here.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createPrivateFile, prepareDataDir } from '../data-dir.ts';
import { SQLITE_FILE_NAME } from './open-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export class BackupError extends Error {}

export interface RestoredCounts {
  accountName: string;
  schemaVersion: number;
  members: number;
  groups: number;
  mail: number;
}

/** Copies the database at `source` to `out` (a new file, mode 0600) while it may be in use. */
export async function backupSqlite(source: string, out: string): Promise<{ bytes: number }> {
  if (!existsSync(source)) throw new BackupError(`no database at ${source}; pass --data-dir`);
  if (existsSync(out)) throw new BackupError(`${out} already exists: choose a new file for the backup`);
  createPrivateFile(out);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const { totalPages } = await db.backup(out);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { bytes: totalPages * pageSize };
  } catch (error) {
    rmSync(out, { force: true });
    throw error;
  } finally {
    db.close();
  }
}

function readableBackup(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} is damaged (${String(check)}): use another backup`);
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (table === undefined)
      throw new BackupError(`${file} is not a scimbridge backup (no schema_migrations table)`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a scimbridge backup: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** Puts `file` in place as `<dataDir>/scimbridge.db` once a copy beside it opened and migrated; a database there only with `replace`. */
export async function restoreSqlite(
  file: string,
  dataDir: string,
  replace: boolean,
): Promise<RestoredCounts> {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  const target = join(dataDir, SQLITE_FILE_NAME);
  if (existsSync(target) && !replace) {
    throw new BackupError(
      `${target} already exists: stop the server and pass --replace to overwrite it with the backup`,
    );
  }
  readableBackup(file);
  prepareDataDir(dataDir);
  const staging = `${target}.restoring`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${staging}${suffix}`, { force: true });
  createPrivateFile(staging);
  const source = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(staging);
  } finally {
    source.close();
  }
  let counts: RestoredCounts;
  try {
    const store = await openSqliteStore({ path: staging });
    try {
      const account = await store.getAccount();
      if (account === undefined) throw new BackupError(`${file} holds no account`);
      const members = Object.values(await store.countMembersByState()).reduce((a, b) => a + b, 0);
      const groups = (await store.listGroups({ startIndex: 1, count: 0 })).total;
      const mail = Object.values(await store.countMailByState()).reduce((a, b) => a + b, 0);
      const version = new Database(staging, { readonly: true });
      const row = version.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number };
      version.close();
      counts = { accountName: account.name, schemaVersion: row.v, members, groups, mail };
    } finally {
      await store.close();
    }
  } catch (error) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${staging}${suffix}`, { force: true });
    throw error;
  }
  // The old database's WAL belongs to the old file: it must not be replayed into the restored one.
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(staging, target);
  return counts;
}
