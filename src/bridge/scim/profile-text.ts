/**
 * Reads the top level of a stored profile's JSON text without parsing it: each member's name
 * and the kind of its value. A page of users is then written by splicing the stored text into
 * the answer (user-json.ts) instead of parsing every profile and encoding it again.
 *
 * The text is the account's own (JSON.stringify, SQLite's JSON functions or PostgreSQL's
 * jsonb output wrote it), as the account API trusts it too: the top level is read strictly,
 * nested values only far enough to find where they end, with their brackets paired. Anything
 * else (other whitespace, a truncated or unpaired text) gives undefined and the caller parses
 * as before.
 */

/** `literal`: a number, true, false or null. */
export type ValueKind = 'string' | 'emptyArray' | 'array' | 'emptyObject' | 'object' | 'literal';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// RFC 8259 §6 numbers and the three literal names, read where a top-level value starts.
const LITERAL = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null/y;

/** Just past the string whose opening quote is at `at`, or -1 when it does not close. */
function stringEnd(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    // A quote after an odd number of backslashes is part of the string; the run stops at `at`.
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Deeper nesting is left to the parser. */
const MAX_DEPTH = 256;
/** The closing bracket each open level waits for, reused: one scan runs at a time. */
const closers = new Uint8Array(MAX_DEPTH);

/** Just past the array or object opening at `at`, or -1 when its brackets do not pair. */
function nestedEnd(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (depth === MAX_DEPTH) return -1;
      closers[depth++] = code === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (depth === 0 || closers[--depth] !== code) return -1;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

function valueEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === QUOTE) return stringEnd(text, at);
  if (code === OPEN_BRACE || code === OPEN_BRACKET) return nestedEnd(text, at);
  LITERAL.lastIndex = at;
  return LITERAL.test(text) ? LITERAL.lastIndex : -1;
}

function kindAt(text: string, at: number): ValueKind {
  const code = text.charCodeAt(at);
  if (code === QUOTE) return 'string';
  if (code === OPEN_BRACKET) return text.charCodeAt(at + 1) === CLOSE_BRACKET ? 'emptyArray' : 'array';
  if (code === OPEN_BRACE) return text.charCodeAt(at + 1) === CLOSE_BRACE ? 'emptyObject' : 'object';
  return 'literal';
}

/**
 * The top-level members of a compact JSON object, by name, with the kind of each value;
 * undefined when `text` is not read as one (see above), names a member twice or writes a name
 * with escapes (it would be compared as written).
 */
export function topLevelMembers(text: string): Map<string, ValueKind> | undefined {
  const last = text.length - 1;
  if (text.charCodeAt(0) !== OPEN_BRACE || text.charCodeAt(last) !== CLOSE_BRACE) return undefined;
  const members = new Map<string, ValueKind>();
  if (last === 1) return members;
  let i = 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const nameEnd = stringEnd(text, i);
    if (nameEnd < 0 || text.charCodeAt(nameEnd) !== COLON) return undefined;
    const name = text.slice(i + 1, nameEnd - 1);
    if (members.has(name) || name.includes('\\')) return undefined;
    // PostgreSQL writes jsonb as `{"a": 1, "b": 2}`: one space after each colon and comma.
    const valueAt = text.charCodeAt(nameEnd + 1) === SPACE ? nameEnd + 2 : nameEnd + 1;
    const kind = kindAt(text, valueAt);
    i = valueEnd(text, valueAt);
    if (i < 0) return undefined;
    members.set(name, kind);
    if (i === last) return members;
    if (text.charCodeAt(i) !== COMMA) return undefined;
    i += text.charCodeAt(i + 1) === SPACE ? 2 : 1;
  }
}
