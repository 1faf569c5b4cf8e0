/**
 * `scimbridge backup --out F` and `scimbridge restore F`: the embedded SQLite database, copied
 * while the server runs and put back after the copy opened. PostgreSQL has its own tools;
 * on it both commands say which to run.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { BackupError, backupSqlite, restoreSqlite } from '../../storage/backup.ts';
import { StoreOpenError } from '../../storage/open-failure.ts';
import { SQLITE_FILE_NAME } from '../../storage/open-store.ts';
import { flagsOf, withStorageFlags } from '../options.ts';

const PG_DUMP =
  'the database is in PostgreSQL: back it up with pg_dump --format=custom --file scimbridge.dump "$DATABASE_URL" (docs/deployment/backups.md)';
const PG_RESTORE =
  'the database is in PostgreSQL: restore a pg_dump file with pg_restore --clean --if-exists --no-owner --dbname "$DATABASE_URL" scimbridge.dump, then start one account server, which checks and migrates it (docs/deployment/backups.md)';

function fail(message: string): void {
  process.stderr.write(`scimbridge: ${message}\n`);
  process.exitCode = 1;
}

export function registerBackupCommands(program: Command): void {
  withStorageFlags(
    program
      .command('backup')
      .description('copy the embedded database to a file, also while the server runs')
      .requiredOption('--out <file>', 'the backup file to write (must not exist)'),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    if (config.databaseUrl !== undefined) return fail(PG_DUMP);
    const out = path.resolve(String(options.out));
    try {
      const { bytes } = await backupSqlite(path.join(config.dataDir, SQLITE_FILE_NAME), out);
      process.stdout.write(
        `backed up ${path.join(config.dataDir, SQLITE_FILE_NAME)} to ${out} (${Math.ceil(bytes / 1024)} KiB)\n` +
          'keep the outbox key (outbox.key or SCIMBRIDGE_OUTBOX_KEY) and the session file apart from it\n',
      );
    } catch (error) {
      if (error instanceof BackupError) return fail(error.message);
      throw error;
    }
  });

  withStorageFlags(
    program
      .command('restore')
      .description('put a backup in place as the embedded database, after checking that it opens')
      .argument('<file>', 'a file written by scimbridge backup')
      .option('--replace', 'overwrite an existing database (stop the server first)'),
  ).action(async (file: string, options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    if (config.databaseUrl !== undefined) return fail(PG_RESTORE);
    try {
      const counts = await restoreSqlite(path.resolve(file), config.dataDir, options.replace === true);
      process.stdout.write(
        `restored ${counts.accountName}: schema version ${counts.schemaVersion}, ${counts.members} members, ${counts.groups} groups, ${counts.mail} mails in ${path.join(config.dataDir, SQLITE_FILE_NAME)}\n`,
      );
    } catch (error) {
      if (error instanceof BackupError || error instanceof StoreOpenError) return fail(error.message);
      throw error;
    }
  });
}
