/** Request log, bridge side: redacted, bounded records queued in memory and batched to the account off the request path; a full queue drops and counts, a crash loses the queue. */
import type { Logger } from 'pino';
import { REQUEST_LOG_BATCH, REQUEST_LOG_BODY_CHARS } from '../account/client.ts';
import type { ScimRequestRecord } from '../account/model.ts';
import type { Clock } from '../clock.ts';
import { jsonString } from '../json-string.ts';
import { scrubSecrets } from '../logging.ts';

/** Field names whose values never leave the bridge (SCIM `password`, tokens, keys, secrets). */
const SECRET_FIELD =
  /pass(word|phrase|wd)|pass$|secret|token|authori[sz]ation|credential|api[-_]?key|private[-_]?key/i;
/** A SCIM filter comparing a secret attribute (RFC 7644 §3.4.2.2), e.g. `password eq "…"`: its value would be the secret. */
const SECRET_FILTER =
  /(pass(word|phrase|wd)|pass|secret|token|authori[sz]ation|credential|api[-_]?key|private[-_]?key)\S*\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s/i;
const BEARER = /\bBearer\s+[^\s"]+/gi;
export const REDACTED = '[redacted]';
/** Anything that could be a secret field or value; a body without it needs no walk. */
const SUSPECT = /pass|secret|token|authori[sz]ation|credential|api[-_]?key|private[-_]?key|sb[tms]_|bearer/i;

/** Most strings hold neither shape; the checks before the regexes keep them cheap. */
function scrub(text: string): string {
  let out = text;
  if (out.length >= 24 && out.includes('sb')) out = scrubSecrets(out);
  if (out.includes('earer')) out = out.replace(BEARER, `Bearer ${REDACTED}`);
  return out;
}

/** A PATCH operation's `path` (RFC 7644 §3.5.2) naming a secret attribute anywhere in it, e.g. `urn:…:User:password`: its `value` is the secret. */
function isSecretPath(path: unknown): boolean {
  return (
    typeof path === 'string' && path.split(/[:.[\]\s]+/).some((part) => part !== '' && isSecretField(part))
  );
}

/** The values of query parameters named like secrets, and filters comparing secret attributes, are redacted. */
function redactedQuery(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const pairs = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      const name = decoded(pair.slice(0, equals));
      const value = decoded(pair.slice(equals + 1));
      const secret = isSecretField(name) || (name.toLowerCase() === 'filter' && SECRET_FILTER.test(value));
      return secret ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
    });
  return `${url.slice(0, at)}?${pairs.join('&')}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Field names repeat from request to request; each is tested once. */
const secretFields = new Map<string, boolean>();
function isSecretField(key: string): boolean {
  let secret = secretFields.get(key);
  if (secret === undefined) {
    secret = SECRET_FIELD.test(key);
    if (secretFields.size < 10_000) secretFields.set(key, secret);
  }
  return secret;
}

/** JSON of `value` with secret fields replaced, at most `limit` characters; walks only to the limit so a 1 MiB body costs as little as a small one. */
export function redactedJson(
  value: unknown,
  limit = REQUEST_LOG_BODY_CHARS,
  /** The body's size on the wire, when known: a small body without anything secret-looking is encoded natively. */
  bytes?: number,
): { text: string; truncated: boolean } {
  if (bytes !== undefined && bytes <= limit) {
    const text = JSON.stringify(value);
    if (text.length <= limit && !SUSPECT.test(text)) return { text, truncated: false };
  }
  let out = '';
  let full = false;
  const emit = (piece: string) => {
    if (full) return;
    if (out.length + piece.length > limit) {
      out += piece.slice(0, limit - out.length);
      full = true;
    } else out += piece;
  };
  const walk = (node: unknown, depth: number): void => {
    if (full) return;
    if (node === null || typeof node === 'number' || typeof node === 'boolean') {
      emit(JSON.stringify(node) ?? 'null');
    } else if (typeof node === 'string') {
      // Only the part that can still be shown is scrubbed and encoded.
      const room = limit - out.length;
      const shown = scrub(node.length > room ? node.slice(0, room) : node);
      emit(jsonString(shown));
      if (node.length > room) full = true;
    } else if (Array.isArray(node)) {
      if (depth > 32) {
        emit('[…]');
        return;
      }
      emit('[');
      for (let i = 0; i < node.length && !full; i++) {
        if (i > 0) emit(',');
        walk(node[i], depth + 1);
      }
      emit(']');
    } else if (typeof node === 'object') {
      if (depth > 32) {
        emit('{…}');
        return;
      }
      emit('{');
      let first = true;
      const keys = Object.keys(node as object);
      const record = node as Record<string, unknown>;
      // SCIM attribute names are case-insensitive (RFC 7643 §2.1): `Path`/`Value` as well.
      const secretValue = keys.some((key) => key.toLowerCase() === 'path' && isSecretPath(record[key]));
      for (const key of keys) {
        if (full) break;
        if (!first) emit(',');
        first = false;
        emit(`${JSON.stringify(scrub(key))}:`);
        const child = record[key];
        const lower = key.toLowerCase();
        const secret =
          isSecretField(key) ||
          (secretValue && lower === 'value') ||
          (lower === 'filter' && typeof child === 'string' && SECRET_FILTER.test(child));
        if (secret && child !== null && child !== undefined) emit(JSON.stringify(REDACTED));
        else walk(child, depth + 1);
      }
      emit('}');
    } else emit('null');
  };
  walk(value, 0);
  return { text: out, truncated: full };
}

/** What the app knows of an answered request. */
export interface AnsweredRequest {
  idp: string;
  operation: string;
  method: string;
  url: string;
  /** The resource's id: from the path, or the Location of a created one. */
  resourceId: string | undefined;
  status: number;
  scimType: string | undefined;
  detail: string | undefined;
  ms: number;
  body: unknown;
  /** The request's Content-Length, when it sent one. */
  bodyBytes?: number | undefined;
}

const RESOURCE = /^\/scim\/v2\/([A-Za-z]+)(?:\/([^/?#]+))?/i;

export function recordOf(request: AnsweredRequest, at: string): ScimRequestRecord {
  const path = redactedQuery(scrub(request.url.length > 1000 ? request.url.slice(0, 1000) : request.url));
  const match = RESOURCE.exec(path);
  const body =
    request.body === undefined ? null : redactedJson(request.body, REQUEST_LOG_BODY_CHARS, request.bodyBytes);
  const resourceId = request.resourceId === undefined ? null : request.resourceId.slice(0, 200);
  return {
    at,
    idp: request.idp,
    operation: request.operation,
    method: request.method,
    path,
    resourceType: match?.[1] ?? 'other',
    resourceId,
    status: request.status,
    scimType: request.scimType ?? null,
    detail: request.detail === undefined ? null : request.detail.slice(0, 1000),
    ms: request.ms,
    body: body?.text ?? null,
    bodyTruncated: body?.truncated ?? false,
  };
}

export interface RequestLogOptions {
  deliver: (records: ScimRequestRecord[]) => Promise<unknown>;
  clock: Clock;
  logger: Logger;
  /** Whether deliveries can go now (a separate bridge needs its session file unlocked). */
  ready?: () => boolean;
  /** Runs `work` after `ms`; an unref'd timer by default. */
  schedule?: (work: () => void, ms: number) => void;
  intervalMs?: number;
  maxQueued?: number;
}

export class RequestLog {
  private queue: ScimRequestRecord[] = [];
  private scheduled = false;
  private sending: Promise<void> | undefined;
  private failing = false;
  private dropping = false;
  /** Records given up: queue full, or their delivery failed. */
  lost = 0;
  delivered = 0;
  private readonly intervalMs: number;
  private readonly maxQueued: number;
  private readonly schedule: (work: () => void, ms: number) => void;

  constructor(private readonly options: RequestLogOptions) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.maxQueued = options.maxQueued ?? 1000;
    this.schedule =
      options.schedule ??
      ((work, ms) => {
        setTimeout(work, ms).unref();
      });
  }

  add(request: AnsweredRequest): void {
    if (this.queue.length >= this.maxQueued) {
      this.lost++;
      if (!this.dropping) {
        this.dropping = true;
        this.options.logger.warn(
          { queued: this.queue.length },
          'SCIM request log: the account is not taking records; new ones are dropped until it does',
        );
      }
      return;
    }
    this.queue.push(recordOf(request, this.options.clock.now().toISOString()));
    this.wake();
  }

  get queued(): number {
    return this.queue.length;
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      void this.flush();
    }, this.intervalMs);
  }

  /** Sends one batch unless one is under way; schedules the next while records wait. */
  async flush(): Promise<void> {
    if (this.sending) return this.sending;
    if (this.queue.length === 0 || (this.options.ready && !this.options.ready())) {
      if (this.queue.length > 0) this.wake();
      return;
    }
    const batch = this.queue.splice(0, REQUEST_LOG_BATCH);
    this.sending = this.options
      .deliver(batch)
      .then(
        () => {
          this.delivered += batch.length;
          if (this.failing || this.dropping) this.options.logger.info('SCIM request log: delivering again');
          this.failing = false;
          this.dropping = false;
        },
        (error: unknown) => {
          this.lost += batch.length;
          if (!this.failing) {
            this.failing = true;
            this.options.logger.warn(
              { err: error, records: batch.length },
              'SCIM request log: a batch could not be delivered to the account and is lost',
            );
          }
        },
      )
      .finally(() => {
        this.sending = undefined;
        if (this.queue.length > 0) this.wake();
      });
    return this.sending;
  }

  /** At a graceful stop: what is queued goes once more, a batch at a time, while it is taken; what stays is counted and said lost. */
  async close(): Promise<void> {
    if (this.sending) await this.sending;
    while (this.queue.length > 0 && (!this.options.ready || this.options.ready())) {
      const before = this.lost;
      await this.flush();
      if (this.lost !== before) break;
    }
    if (this.queue.length > 0) {
      this.lost += this.queue.length;
      this.options.logger.warn(
        { records: this.queue.length },
        'SCIM request log: the bridge stopped before these records reached the account; they are lost',
      );
      this.queue = [];
    }
  }
}
