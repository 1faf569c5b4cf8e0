/** The database part of the commands that work on the account's database directly. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../account/store.ts';
import type { Config } from '../config.ts';
import { openStore, SQLITE_FILE_NAME } from '../storage/open-store.ts';

type ErrorKind = abstract new (...args: never[]) => Error;

/**
 * Opens the database `config` names, runs `work` and closes the database whatever happens.
 * An error of one of `userErrors` is a problem the user can fix: printed as one line, exit
 * code 1. Any other error propagates.
 */
export async function withConfiguredStore(
  config: Config,
  userErrors: readonly ErrorKind[],
  work: (store: Store) => Promise<void>,
): Promise<void> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await work(store);
  } catch (error) {
    if (userErrors.some((kind) => error instanceof kind)) {
      process.stderr.write(`scimbridge: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  } finally {
    await store.close();
  }
}

/**
 * The same for commands that only make sense on an existing account: without a database
 * they say where they looked instead of creating an empty one in the wrong folder.
 */
export async function withExistingStore(
  config: Config,
  userErrors: readonly ErrorKind[],
  work: (store: Store) => Promise<void>,
): Promise<void> {
  const file = path.join(config.dataDir, SQLITE_FILE_NAME);
  if (config.databaseUrl === undefined && !existsSync(file)) {
    process.stderr.write(`scimbridge: no database at ${file}; pass --data-dir or --database-url\n`);
    process.exitCode = 1;
    return;
  }
  await withConfiguredStore(config, userErrors, work);
}
