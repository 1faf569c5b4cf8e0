/**
 * Queued links are live credentials that may wait for days, so they are sealed under a key
 * kept outside the database: a database copy opens no page. The AAD binds message, template
 * and recipient, so a sealed link moved to another row (one addressed to an attacker) does not open.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** The field that holds a link in outbox data once sealed; `link` itself is never stored. */
export const SEALED_LINK_FIELD = 'sealedLink';
const PREFIX = 'obx1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const OUTBOX_KEY_BYTES = 32;

export interface SealContext {
  messageId: string;
  template: string;
  to: string;
}

/** A sealed link that this key cannot open: another key, a damaged value, or another row. */
export class OutboxSealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxSealError';
  }
}

export interface OutboxSeal {
  readonly keyId: string;
  seal(link: string, context: SealContext): string;
  /** Throws `OutboxSealError` when the value does not open with this key for this message. */
  open(sealed: string, context: SealContext): string;
}

function associatedData(context: SealContext): Buffer {
  return Buffer.from(
    `scimbridge outbox link v1\n${context.messageId}\n${context.template}\n${context.to.toLowerCase()}`,
    'utf8',
  );
}

export function createOutboxSeal(key: Uint8Array): OutboxSeal {
  if (key.length !== OUTBOX_KEY_BYTES) throw new Error(`the outbox key must be ${OUTBOX_KEY_BYTES} bytes`);
  const aeadKey = Buffer.from(hkdfSync('sha256', key, new Uint8Array(0), 'scimbridge outbox links v1', 32));
  const keyId = createHash('sha256')
    .update('scimbridge outbox key id\n')
    .update(key)
    .digest('hex')
    .slice(0, 12);
  return {
    keyId,
    seal(link, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aeadKey, nonce);
      cipher.setAAD(associatedData(context));
      const ciphertext = Buffer.concat([cipher.update(link, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [PREFIX, keyId, nonce.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== PREFIX) throw new OutboxSealError('the sealed link is damaged');
      if (parts[1] !== keyId) {
        throw new OutboxSealError(
          `the link was sealed under another outbox key (key id ${parts[1]}; this server's is ${keyId}): ` +
            "give every account server and CLI the same outbox key (SCIMBRIDGE_OUTBOX_KEY or the data directory's outbox.key), or send a new link",
        );
      }
      const nonce = Buffer.from(parts[2]!, 'base64url');
      const body = Buffer.from(parts[3]!, 'base64url');
      if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
        throw new OutboxSealError('the sealed link is damaged');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', aeadKey, nonce);
        decipher.setAAD(associatedData(context));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new OutboxSealError(
          'the sealed link does not open: it was changed or moved from another message',
        );
      }
    },
  };
}

type Data = Record<string, unknown>;

/** Without a seal, data with a link is refused: a link must never reach the database in clear. */
export function sealLinks(seal: OutboxSeal | undefined, context: SealContext, data: Data): Data {
  if (typeof data.link !== 'string') return data;
  if (seal === undefined) {
    throw new Error(
      `a ${context.template} mail carries a link, but no outbox key was given to seal it (AccountDeps.outboxSeal)`,
    );
  }
  const { link, ...rest } = data;
  return { ...rest, [SEALED_LINK_FIELD]: seal.seal(link, context) };
}

/** True when stored outbox data still holds a link in clear (written by an earlier version). */
export function hasClearLink(data: Data): boolean {
  return typeof data.link === 'string' && !data.link.startsWith('[');
}

export function openLinks(seal: OutboxSeal | undefined, context: SealContext, data: Data): Data {
  const sealed = data[SEALED_LINK_FIELD];
  if (typeof sealed !== 'string') return data;
  if (seal === undefined) {
    throw new OutboxSealError(
      'the link is sealed and no outbox key is at hand: run this where the account server runs, with the same --data-dir or SCIMBRIDGE_OUTBOX_KEY',
    );
  }
  const { [SEALED_LINK_FIELD]: _sealed, ...rest } = data;
  return { ...rest, link: seal.open(sealed, context) };
}
