/**
 * Where the bridge finds its Google service-account key, and reading it. The same three
 * forms as the session file (`credentials/load-session.ts`): a path, base64 of the file in
 * an environment variable, or a file in a mounted secrets directory.
 *
 * Errors name the source and what to fix, never the file's content: the private key must
 * not reach a log line, a page or an error.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SECRETS_DIRS } from '../credentials/load-session.ts';

export const GOOGLE_KEY_FILE_ENV = 'SCIMBRIDGE_GOOGLE_KEY_FILE';
export const GOOGLE_KEY_B64_ENV = 'SCIMBRIDGE_GOOGLE_KEY_B64';
export const GOOGLE_KEY_SECRET_NAME = 'google-workspace-key.json';

export type GoogleKeySource =
  | { kind: 'file'; path: string }
  | { kind: 'env'; variable: string; value: string }
  | { kind: 'secret'; path: string };

/** What the sync needs of the key file; `privateKey` stays in memory only. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | undefined;
  clientId: string | undefined;
}

export class GoogleKeyError extends Error {
  constructor(source: string, detail: string) {
    super(`Cannot use the Google service-account key from ${source}: ${detail}`);
    this.name = 'GoogleKeyError';
  }
}

export interface GoogleKeySourceOptions {
  /** `--google-key <path>` or SCIMBRIDGE_GOOGLE_KEY_FILE. */
  keyPath?: string | undefined;
  /** SCIMBRIDGE_GOOGLE_KEY_B64. */
  keyBase64?: string | undefined;
  secretsDirs?: readonly string[];
}

/** First match wins: a path, then the base64 variable, then `<secrets dir>/google-workspace-key.json`. */
export function resolveGoogleKeySource(options: GoogleKeySourceOptions): GoogleKeySource | undefined {
  if (options.keyPath?.trim()) return { kind: 'file', path: options.keyPath.trim() };
  if (options.keyBase64?.trim())
    return { kind: 'env', variable: GOOGLE_KEY_B64_ENV, value: options.keyBase64 };
  for (const dir of options.secretsDirs ?? DEFAULT_SECRETS_DIRS) {
    const candidate = join(dir, GOOGLE_KEY_SECRET_NAME);
    if (existsSync(candidate)) return { kind: 'secret', path: candidate };
  }
  return undefined;
}

/** Safe to log: says where, never what. */
export function describeGoogleKeySource(source: GoogleKeySource): string {
  return source.kind === 'env' ? `environment variable ${source.variable}` : `${source.kind} ${source.path}`;
}

const FIX =
  'download a JSON key for the service account (Google Cloud console → IAM → Service accounts → Keys)';

export async function loadGoogleKey(source: GoogleKeySource): Promise<ServiceAccountKey> {
  const where = describeGoogleKeySource(source);
  let text: string;
  if (source.kind === 'env') {
    const trimmed = source.value.trim();
    text = trimmed.startsWith('{')
      ? trimmed
      : Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8');
  } else {
    try {
      text = await readFile(source.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new GoogleKeyError(
        where,
        code === 'ENOENT' ? 'the file does not exist' : `cannot read it (${code ?? 'unknown error'})`,
      );
    }
  }
  return parseGoogleKey(text, where);
}

export function parseGoogleKey(text: string, where: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new GoogleKeyError(where, `it is not JSON; ${FIX}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GoogleKeyError(where, `it is not a JSON object; ${FIX}`);
  }
  const key = parsed as Record<string, unknown>;
  if (key.type !== 'service_account') {
    throw new GoogleKeyError(where, `its "type" is not "service_account" (an OAuth client file?); ${FIX}`);
  }
  const clientEmail = key.client_email;
  if (typeof clientEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(clientEmail)) {
    throw new GoogleKeyError(where, `"client_email" is missing; ${FIX}`);
  }
  const privateKey = key.private_key;
  if (typeof privateKey !== 'string' || !privateKey.includes('-----BEGIN PRIVATE KEY-----')) {
    throw new GoogleKeyError(where, `"private_key" is missing or not a PEM private key; ${FIX}`);
  }
  return {
    clientEmail,
    privateKey,
    privateKeyId: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
    clientId: typeof key.client_id === 'string' ? key.client_id : undefined,
  };
}
