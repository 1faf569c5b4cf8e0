/**
 * `scimbridge provisioning setup`: turns provisioning on (or regenerates its credentials)
 * straight on the database, so it works whether or not the server is running (SQLite in
 * WAL mode lets a second process write).
 *
 * The session file goes to `--session-out` and to `<dataDir>/scimsession`, where the
 * one-process bridge looks by default and picks up new credentials without a restart. The
 * token goes to `--token-out` only, or to stdout with `--token-out -`. Files are created
 * 0600 and written atomically (temporary file, then rename), so a bridge never reads half
 * a file.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setupProvisioning } from '../../account/setup-provisioning.ts';
import type { Store } from '../../account/store.ts';
import type { Clock, IdGenerator } from '../../clock.ts';
import { serializeSessionFile } from '../../crypto/credentials/session-file.ts';
import { bytesToBase64Url } from '../../crypto/encoding.ts';
import { randomBytes } from '../../crypto/random.ts';

export const SESSION_FILE_NAME = 'scimsession';

interface Writer {
  write(text: string): unknown;
}

export interface ProvisioningSetupOptions {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  accountUrl: string;
  /** An extra place for the session file, e.g. to copy to a bridge elsewhere. */
  sessionOut?: string | undefined;
  /** A path, or `-` for stdout. Required: the token exists nowhere else. */
  tokenOut: string;
  dataDir: string;
  stdout: Writer;
  stderr: Writer;
  /** Re-create the integration for a new IdP app (P20) instead of regenerating its credentials. */
  newIntegration?: boolean;
}

export interface ProvisioningSetupOutcome {
  keyId: string;
  /** Absolute paths the session file was written to. */
  sessionPaths: string[];
  /** Absolute path of the token file; undefined when the token went to stdout. */
  tokenPath: string | undefined;
}

export class ProvisioningSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisioningSetupError';
  }
}

export async function runProvisioningSetup(
  options: ProvisioningSetupOptions,
): Promise<ProvisioningSetupOutcome> {
  if (!options.tokenOut) {
    throw new ProvisioningSetupError('--token-out is required: a file for the bearer token, or - for stdout');
  }
  const tokenToStdout = options.tokenOut === '-';
  const tokenPath = tokenToStdout ? undefined : resolve(options.tokenOut);
  const sessionPaths = [
    ...new Set([
      resolve(options.dataDir, SESSION_FILE_NAME),
      ...(options.sessionOut ? [resolve(options.sessionOut)] : []),
    ]),
  ];

  // Regenerating revokes the old pair at once; make sure the new one can be written first.
  await mkdir(resolve(options.dataDir), { recursive: true, mode: 0o700 });
  for (const path of [...sessionPaths, ...(tokenPath ? [tokenPath] : [])]) await assertWritableDir(path);

  const result = await setupProvisioning(
    { store: options.store, clock: options.clock, ids: options.ids },
    { accountUrl: options.accountUrl, newIntegration: options.newIntegration === true },
  );
  const sessionText = serializeSessionFile(result.sessionFile);
  for (const path of sessionPaths) await writeSecretFile(path, sessionText);
  if (tokenPath) await writeSecretFile(tokenPath, `${result.token}\n`);

  // With the token on stdout, everything else goes to stderr so `| secret-store put` gets the token alone.
  const report = tokenToStdout ? options.stderr : options.stdout;
  report.write(
    [
      `Provisioning is on (key id ${result.integration.keyId}). Any earlier token and session file no longer work.`,
      ...sessionPaths.map((path) => `  session file: ${path}`),
      tokenPath ? `  bearer token: ${tokenPath}` : '  bearer token: printed to stdout',
      '  Give the bearer token to your identity provider and the session file to the bridge.',
      ...(result.previousIntegrationId !== null
        ? [
            '  This is a new integration: the groups the previous one managed are set aside until',
            '  `scimbridge provisioning transfer-groups` hands them to it.',
          ]
        : []),
      '',
    ].join('\n'),
  );
  if (tokenToStdout) options.stdout.write(`${result.token}\n`);
  return { keyId: result.integration.keyId, sessionPaths, tokenPath };
}

async function assertWritableDir(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    await access(dir, constants.W_OK);
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new ProvisioningSetupError(`cannot write to ${dir} (for ${path}); nothing was changed`);
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new ProvisioningSetupError(`${path} is a directory; give a file name; nothing was changed`);
  }
}

/** 0600, via a temporary file in the same directory and a rename (atomic on POSIX). */
async function writeSecretFile(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${bytesToBase64Url(randomBytes(6))}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new ProvisioningSetupError(
      `could not write ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); run the command again`,
    );
  }
}
