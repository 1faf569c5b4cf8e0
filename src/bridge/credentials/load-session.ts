/** Finding and reading the session file (path, base64 env, or mounted secret); errors never quote its content. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SessionFile, validateSessionFile } from '../../crypto/credentials/session-file.ts';

export type SessionSource =
  /** `--session <path>`, `SCIMBRIDGE_SESSION`, or the data directory's default. */
  | { kind: 'file'; path: string }
  /** `SCIMBRIDGE_SESSION_B64`: base64 (or base64url) of the file. Raw JSON is accepted too. */
  | { kind: 'env'; variable: string; value: string }
  /** `<secrets dir>/scimsession`: Docker secrets, Kubernetes secret volumes. */
  | { kind: 'secret'; path: string };

export const SESSION_B64_ENV = 'SCIMBRIDGE_SESSION_B64';
export const SESSION_FILE_ENV = 'SCIMBRIDGE_SESSION';
export const SESSION_SECRET_NAME = 'scimsession';
/** Docker mounts secrets under /run/secrets; the Helm chart mounts ours at the second. */
export const DEFAULT_SECRETS_DIRS: readonly string[] = ['/run/secrets', '/var/run/secrets/scimbridge'];

export interface SessionSourceOptions {
  /** From `--session`; wins over everything else. */
  sessionPath?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  secretsDirs?: readonly string[];
  /** Used last, even if the file does not exist yet (the one-process mode's `<dataDir>/scimsession`). */
  defaultPath?: string | undefined;
}

/** Session source, first match wins: `sessionPath`, SESSION_B64, SESSION, a `secretsDirs` scimsession, `defaultPath`. Log `describeSessionSource`, never the source. */
export function resolveSessionSource(options: SessionSourceOptions): SessionSource | undefined {
  if (options.sessionPath) return { kind: 'file', path: options.sessionPath };
  const encoded = options.env[SESSION_B64_ENV]?.trim();
  if (encoded) return { kind: 'env', variable: SESSION_B64_ENV, value: encoded };
  const fromEnvPath = options.env[SESSION_FILE_ENV]?.trim();
  if (fromEnvPath) return { kind: 'file', path: fromEnvPath };
  for (const dir of options.secretsDirs ?? DEFAULT_SECRETS_DIRS) {
    const candidate = join(dir, SESSION_SECRET_NAME);
    if (existsSync(candidate)) return { kind: 'secret', path: candidate };
  }
  if (options.defaultPath) return { kind: 'file', path: options.defaultPath };
  return undefined;
}

/** Safe to log: says where, never what. */
export function describeSessionSource(source: SessionSource): string {
  switch (source.kind) {
    case 'file':
      return `file ${source.path}`;
    case 'env':
      return `environment variable ${source.variable}`;
    case 'secret':
      return `mounted secret ${source.path}`;
  }
}

export type SessionFileProblem = 'unreadable' | 'not_json' | 'invalid';

export class SessionFileError extends Error {
  readonly problem: SessionFileProblem;
  /** `describeSessionSource` of where it came from. */
  readonly source: string;
  constructor(problem: SessionFileProblem, source: string, detail: string) {
    super(`Cannot use the session file from ${source}: ${detail}`);
    this.name = 'SessionFileError';
    this.problem = problem;
    this.source = source;
  }
}

const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Reads and validates a session file (throws `SessionFileError`); a string is a path. */
export async function loadSessionFile(source: SessionSource | string): Promise<SessionFile> {
  const resolved: SessionSource = typeof source === 'string' ? { kind: 'file', path: source } : source;
  const description = describeSessionSource(resolved);
  const text =
    resolved.kind === 'env'
      ? decodeEnvValue(resolved.value, description)
      : await readText(resolved.path, description);
  return parseSessionFileText(text, description);
}

/** Parses the file's text; `description` names the source in errors. */
export function parseSessionFileText(text: string, description: string): SessionFile {
  let parsed: unknown;
  try {
    // A byte-order mark from a Windows editor is not the file's fault.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    // JSON.parse's own message quotes the input; ours must not.
    throw new SessionFileError('not_json', description, 'the content is not JSON');
  }
  const checked = validateSessionFile(parsed);
  if (!checked.ok) throw new SessionFileError('invalid', description, checked.problem);
  return checked.file;
}

async function readText(path: string, description: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : `cannot read it (${code ?? 'unknown error'})`;
    throw new SessionFileError('unreadable', description, why);
  }
}

function decodeEnvValue(value: string, description: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) return trimmed;
  const compact = trimmed.replace(/\s+/g, '');
  if (!BASE64_ANY.test(compact)) {
    throw new SessionFileError('not_json', description, 'expected base64 of the session file');
  }
  return Buffer.from(
    compact,
    compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64',
  ).toString('utf8');
}
