/**
 * JSON request bodies as both servers read them: strict UTF-8 (RFC 8259 §8.1; invalid bytes
 * are refused, not replaced with U+FFFD and stored), nesting bounded before parsing (a 16 MB
 * body of `[[[[…` costs `JSON.parse` seconds of the one thread that serves every request),
 * and no lone surrogate in any string or key (`"\ud800"` is valid JSON but no text).
 */
import type { FastifyInstance } from 'fastify';

export type BodyTextProblem = 'not_utf8' | 'too_deep' | 'lone_surrogate';

export class BodyTextError extends Error {
  /** Fastify and the error handlers read it as a client error. */
  readonly statusCode = 400;
  constructor(
    readonly problem: BodyTextProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BodyTextError';
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text; a byte-order mark is dropped. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new BodyTextError('not_utf8', 'the request body is not valid UTF-8');
  }
}

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Refuses JSON text nested deeper than `maxDepth`, stopping at the first level too deep. */
export function assertJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) {
        throw new BodyTextError('too_deep', `the request body is nested deeper than ${maxDepth} levels`);
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
}

/** In a `u` pattern a surrogate pair is one code point, so this matches only lone halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Refuses a parsed value with a lone surrogate in any string or key. */
export function assertWellFormedText(value: unknown): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) throw loneSurrogate();
    } else if (Array.isArray(item)) {
      for (const element of item) pending.push(element);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        if (LONE_SURROGATE.test(key)) throw loneSurrogate();
        pending.push(element);
      }
    }
  }
}

function loneSurrogate(): BodyTextError {
  return new BodyTextError(
    'lone_surrogate',
    'the request body holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which is no character',
  );
}

/**
 * Replaces the instance's JSON parser for `contentTypes` with the strict one above. Fastify's
 * own parser still does the parsing (it refuses `__proto__` and `constructor.prototype`
 * keys). An empty body is left undefined when `emptyIsUndefined` (some clients send a JSON
 * content type on DELETE); handlers that need a body say so.
 */
export function acceptStrictJson(
  app: FastifyInstance,
  options: { contentTypes: string[]; maxDepth: number; emptyIsUndefined?: boolean },
): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  app.addContentTypeParser(options.contentTypes, { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer);
      if (options.emptyIsUndefined && text.trim() === '') return done(null, undefined);
      assertJsonDepth(text, options.maxDepth);
    } catch (error) {
      return done(error as Error, undefined);
    }
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      try {
        // Text from strict UTF-8 holds no raw surrogate, so only a `\u` escape can make one.
        if (text.includes('\\u')) assertWellFormedText(value);
      } catch (problem) {
        return done(problem as Error, undefined);
      }
      done(null, value);
    });
  });
}

/** One JSON text from the network, checked as above, for readers outside fastify (a WebSocket message). */
export function parseStrictJson(text: string, maxDepth: number): unknown {
  assertJsonDepth(text, maxDepth);
  const value: unknown = JSON.parse(text);
  assertWellFormedText(value);
  return value;
}
