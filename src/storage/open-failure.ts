// Why a database could not be opened, as a fix an operator can act on; never the URL (it may hold a password).
import { SchemaTooNewError } from './schema-version.ts';

type DatabaseKind = 'PostgreSQL' | 'SQLite';

export class StoreOpenError extends Error {
  readonly database: DatabaseKind;
  constructor(database: DatabaseKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
    this.database = database;
  }
}

interface ErrorFields {
  code?: unknown;
  syscall?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
  severity?: unknown;
  message?: unknown;
}

function fieldsOf(error: unknown): ErrorFields {
  return typeof error === 'object' && error !== null ? (error as ErrorFields) : {};
}

const URL_FLAG = '--database-url (DATABASE_URL)';

/** Host, port, user and database of a postgres:// URL; never its password. */
function describeTarget(connectionString: string): { where: string; user: string; database: string } {
  try {
    const url = new URL(connectionString);
    const host = url.hostname === '' ? 'localhost' : url.hostname;
    return {
      where: `${host}:${url.port === '' ? '5432' : url.port}`,
      user: decodeURIComponent(url.username) || 'the default user',
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'the default database',
    };
  } catch {
    return {
      where: 'the configured address',
      user: 'the configured user',
      database: 'the configured database',
    };
  }
}

type Target = ReturnType<typeof describeTarget>;

/** Fixes by error code: the client's network codes, then SQLSTATE codes (PostgreSQL manual, appendix A). */
const POSTGRES_FIXES: Record<string, (target: Target, fields: ErrorFields) => string> = {
  ECONNREFUSED: (t) =>
    `PostgreSQL at ${t.where} refused the connection: start PostgreSQL, or point ${URL_FLAG} at the right host and port`,
  ENOTFOUND: (t, f) =>
    `cannot resolve the PostgreSQL host "${String(f.hostname ?? t.where)}": fix the host in ${URL_FLAG}`,
  ETIMEDOUT: (t, f) =>
    `PostgreSQL at ${t.where} does not answer (${String(f.code)}): check the network and the host in ${URL_FLAG}`,
  '28P01': (t) =>
    `PostgreSQL at ${t.where} refused the password of user "${t.user}": fix the password in ${URL_FLAG}`,
  '28000': (t, f) =>
    `PostgreSQL at ${t.where} refused user "${t.user}" (${String(f.message)}): fix the user in ${URL_FLAG} or the server's pg_hba.conf`,
  '3D000': (t) =>
    `PostgreSQL at ${t.where} has no database "${t.database}": create it (createdb ${t.database}) or fix the name in ${URL_FLAG}`,
  '42501': (t, f) =>
    `PostgreSQL user "${t.user}" may not create scimbridge's tables (${String(f.message)}): grant it CREATE on the database or schema`,
};
POSTGRES_FIXES.EAI_AGAIN = POSTGRES_FIXES.ENOTFOUND!;
POSTGRES_FIXES.EHOSTUNREACH = POSTGRES_FIXES.ETIMEDOUT!;
POSTGRES_FIXES.ENETUNREACH = POSTGRES_FIXES.ETIMEDOUT!;

export function postgresOpenFailure(error: unknown, connectionString: string): StoreOpenError {
  const fields = fieldsOf(error);
  const target = describeTarget(connectionString);
  const say = (message: string) => new StoreOpenError('PostgreSQL', message, { cause: error });
  if (error instanceof SchemaTooNewError) return say(error.message);
  const fix =
    typeof fields.code === 'string' && Object.hasOwn(POSTGRES_FIXES, fields.code)
      ? POSTGRES_FIXES[fields.code]
      : undefined;
  if (fix) return say(fix(target, fields));
  if (typeof fields.severity === 'string' && typeof fields.message === 'string') {
    return say(`PostgreSQL at ${target.where} refused to open the database: ${fields.message}`);
  }
  if (typeof fields.message === 'string' && /password|SASL|SCRAM/i.test(fields.message)) {
    // The client asks for a password the URL does not give, or gives one the method cannot use.
    return say(
      `PostgreSQL at ${target.where} asks user "${target.user}" for a password: put it in ${URL_FLAG}`,
    );
  }
  return say(`cannot open PostgreSQL at ${target.where}: ${String(fields.message ?? error)}`);
}

const SQLITE_CANNOT_WRITE = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'ENOENT',
  'ENOSPC',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_READONLY_DIRECTORY',
  'SQLITE_PERM',
  'SQLITE_FULL',
  'SQLITE_IOERR_WRITE',
]);

export function sqliteOpenFailure(error: unknown, dataDir: string, file: string): StoreOpenError {
  const fields = fieldsOf(error);
  const code = String(fields.code ?? '');
  const say = (message: string) => new StoreOpenError('SQLite', message, { cause: error });
  if (error instanceof SchemaTooNewError) return say(error.message);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return say(
      `${file} is not a scimbridge database (${code}): restore it from a backup, or choose another --data-dir`,
    );
  }
  if (
    SQLITE_CANNOT_WRITE.has(code) ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_READONLY')
  ) {
    const reason = code === 'ENOSPC' || code === 'SQLITE_FULL' ? 'the disk is full' : code;
    return say(
      `cannot write the data directory ${dataDir} (${reason}): choose a writable --data-dir (SCIMBRIDGE_DATA_DIR), or let this user write there`,
    );
  }
  return say(`cannot open the database ${file}: ${String(fields.message ?? error)}`);
}
