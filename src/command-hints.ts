/**
 * The commands we print as hints ("provisioning is off: npx scimbridge provisioning setup
 * …") carry the options this command was started with, so that copying the hint acts on
 * the same database and names the same account address. Without them a hint printed by
 * `start --data-dir /srv/team` would set up provisioning in ./data, which nothing reads.
 */
import path from 'node:path';
import type { Config } from './config.ts';

/** One shell word: quoted only when it has to be. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A database URL fit to print: its password replaced by a placeholder, never shown. */
function printableDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = 'PASSWORD';
    return parsed.toString();
  } catch {
    return 'URL';
  }
}

/** ` --data-dir … --database-url …` as far as they differ from the defaults; '' when none do. */
export function storageArgs(
  config: Pick<Config, 'dataDir' | 'databaseUrl'>,
  cwd: string = process.cwd(),
): string {
  const args: string[] = [];
  if (config.databaseUrl !== undefined) {
    args.push('--database-url', shellWord(printableDatabaseUrl(config.databaseUrl)));
  } else if (path.resolve(config.dataDir) !== path.resolve(cwd, 'data')) {
    args.push('--data-dir', shellWord(config.dataDir));
  }
  return args.length === 0 ? '' : ` ${args.join(' ')}`;
}

const DEFAULT_ACCOUNT_URL = 'http://localhost:8080';

/** The command that turns provisioning on for the account this process serves. */
export function provisioningSetupHint(
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'accountUrl' | 'sessionPath'>,
  cwd: string = process.cwd(),
): string {
  const accountUrl =
    config.accountUrl === DEFAULT_ACCOUNT_URL ? '' : ` --account-url ${shellWord(config.accountUrl)}`;
  const sessionOut = shellWord(config.sessionPath ?? './scimsession');
  return `npx scimbridge provisioning setup${storageArgs(config, cwd)}${accountUrl} --session-out ${sessionOut} --token-out ./token`;
}
