/**
 * Where the outbox key comes from (outbox-seal.ts): SCIMBRIDGE_OUTBOX_KEY (base64 of 32
 * random bytes; for containers and for several account servers on one PostgreSQL
 * database, which must share it), else the file `outbox.key` in the data directory, made
 * 0600 on first start. The key is never in the database, so a copy of the database opens
 * no link; losing the key loses only the links of mail still queued (resend them).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createOutboxSeal, OUTBOX_KEY_BYTES, type OutboxSeal } from './outbox-seal.ts';

export const OUTBOX_KEY_FILE_NAME = 'outbox.key';
export const OUTBOX_KEY_ENV = 'SCIMBRIDGE_OUTBOX_KEY';
/** 32 bytes in base64 or base64url, padded or not. */
const KEY_SHAPE = /^[A-Za-z0-9_+/-]{43}=?$/;

/** A key that cannot be used; the message never contains the key. */
export class OutboxKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxKeyError';
  }
}

export interface LoadedOutboxKey {
  seal: OutboxSeal;
  /** Safe to log: the variable's name or the file's path. */
  source: string;
  /** True when this call made the key file. */
  created: boolean;
}

function decode(text: string, where: string): Uint8Array {
  const trimmed = text.trim();
  if (!KEY_SHAPE.test(trimmed)) {
    throw new OutboxKeyError(
      `${where} must hold an outbox key: 32 random bytes in base64 (make one with: openssl rand -base64 32)`,
    );
  }
  // Node's base64 decoder reads both alphabets.
  return Buffer.from(trimmed, 'base64');
}

/**
 * The outbox key from `value` (the environment variable) or `file`. When neither exists,
 * `create` makes the file (0600, exclusively: two servers starting together share one
 * key); otherwise the result is undefined.
 */
export function loadOutboxKey(options: {
  value?: string | undefined;
  file: string;
  create: boolean;
}): LoadedOutboxKey | undefined {
  if (options.value !== undefined && options.value !== '') {
    return {
      seal: createOutboxSeal(decode(options.value, OUTBOX_KEY_ENV)),
      source: OUTBOX_KEY_ENV,
      created: false,
    };
  }
  const read = (): LoadedOutboxKey | undefined => {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new OutboxKeyError(`cannot read the outbox key ${options.file}: ${(error as Error).message}`);
    }
    return { seal: createOutboxSeal(decode(text, options.file)), source: options.file, created: false };
  };
  const existing = read();
  if (existing !== undefined || !options.create) return existing;
  try {
    writeFileSync(options.file, `${randomBytes(OUTBOX_KEY_BYTES).toString('base64url')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // Another server starting at the same moment made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read();
    throw new OutboxKeyError(`cannot create the outbox key ${options.file}: ${(error as Error).message}`);
  }
  const made = read();
  return made && { ...made, created: true };
}
