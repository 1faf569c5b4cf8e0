/**
 * A database that cannot take a write now — the disk is full, the file or the server is
 * read-only, the server is shutting down or unreachable — is an outage, not a bug: the
 * request is answered 503 with Retry-After (the IdP retries, P22) and the log says why. The
 * transaction that met it rolled back, so nothing was half-written.
 */
import { AccountError } from './errors.ts';

/** SQLite result codes (https://www.sqlite.org/rescode.html), extended codes by prefix. */
const SQLITE_PREFIXES = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY'];

/** PostgreSQL SQLSTATEs: disk full, out of resources, read-only, shutting down, connection lost. */
const POSTGRES_STATES: Record<string, string> = {
  '53100': 'the database server’s disk is full',
  '53000': 'the database server is out of resources',
  '53200': 'the database server is out of memory',
  '25006': 'the database is read-only',
  '57P01': 'the database server is shutting down',
  '57P02': 'the database server is shutting down',
  '57P03': 'the database server is not accepting connections yet',
};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function sqliteReason(code: string): string {
  if (code.startsWith('SQLITE_FULL')) return 'the disk is full';
  if (code.startsWith('SQLITE_READONLY')) return 'the database file is read-only';
  if (code.startsWith('SQLITE_BUSY')) return 'the database is locked by another process';
  return `the database file cannot be written (${code})`;
}

/** The AccountError for a database that cannot be written now, or undefined for any other error. */
export function asStorageFailure(error: unknown): AccountError | undefined {
  if (error instanceof AccountError || typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  let reason: string | undefined;
  if (SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix))) reason = sqliteReason(code);
  else if (POSTGRES_STATES[code] !== undefined) reason = POSTGRES_STATES[code];
  else if (code.startsWith('08')) reason = 'the connection to the database server failed';
  else if (CONNECTION_CODES.has(code) && (error as { syscall?: unknown }).syscall !== undefined) {
    reason = `the database server cannot be reached (${code})`;
  }
  if (reason === undefined) return undefined;
  return new AccountError(
    'storage_unavailable',
    `the account's database cannot take this request now: ${reason}; nothing was changed, try again later`,
  );
}
