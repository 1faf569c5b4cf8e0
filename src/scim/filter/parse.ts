// SCIM filter and path parser (RFC 7644 §3.4.2.2, Figure 1): loops for and/or, and every level of
// recursion counted against MAX_FILTER_DEPTH so no input exhausts the stack. Fails only with ScimError.

import { invalidFilter, invalidPath, type ScimError } from '../errors.ts';
import type { AttrPath, CompareOp, Filter, FilterValue } from './ast.ts';

/** Longest filter text accepted; longer input is refused before any parsing work. */
export const MAX_FILTER_LENGTH = 4096;
/** Deepest nesting of parentheses, `not (…)` and value-path brackets accepted. */
export const MAX_FILTER_DEPTH = 32;
/** Longest `attributes` / `excludedAttributes` / `sortBy` text accepted. */
export const MAX_ATTR_PATH_LIST_LENGTH = 8192;

type ErrorFactory = (detail: string) => ScimError;

/** The comparison operators of RFC 7644 §3.4.2.2 (`pr` is separate: it takes no value). */
export const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'lt',
  'ge',
  'le',
]);
const OPERATOR_LIST = 'eq, ne, co, sw, ew, gt, lt, ge, le, pr';

const CH_QUOTE = 34;
const CH_BACKSLASH = 92;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_LBRACKET = 91;
const CH_RBRACKET = 93;
const CH_DOT = 46;
const CH_MINUS = 45;
const CH_DOLLAR = 36;

const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** Characters that may appear in an attribute path or keyword token: ATTRNAME characters plus
 * `.` (sub-attribute) and `:` (schema URN). `$` is allowed because RFC 7643 names `$ref`. */
const isWordChar = (c: number) =>
  isAlpha(c) || isDigit(c) || c === 95 || c === CH_MINUS || c === CH_DOLLAR || c === CH_DOT || c === 58;
const isWordStart = (c: number) => isAlpha(c) || c === CH_DOLLAR;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA (RFC 7644 §3.4.2.2).
 * A leading or embedded `$` is tolerated for `$ref` (RFC 7643 §2.4 reference sub-attribute).
 */
export function isAttrName(name: string): boolean {
  if (name.length === 0 || !isWordStart(name.charCodeAt(0))) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!(isAlpha(c) || isDigit(c) || c === 95 || c === CH_MINUS || c === CH_DOLLAR)) return false;
  }
  return true;
}

/**
 * Splits `[urn:…:]attr[.sub]` into an AttrPath. The schema URN is everything before the last
 * colon (URNs themselves contain colons and dots, e.g. `…:core:2.0:User`).
 * `start` is the token's offset in the original text, for error positions.
 */
function toAttrPath(word: string, start: number, fail: ErrorFactory, insideValuePath: boolean): AttrPath {
  const lastColon = word.lastIndexOf(':');
  let schema: string | undefined;
  let rest = word;
  if (lastColon >= 0) {
    schema = word.slice(0, lastColon);
    rest = word.slice(lastColon + 1);
    if (insideValuePath) {
      throw fail(
        `"${word}" at position ${start}: names inside [...] are sub-attributes and cannot carry a schema URN`,
      );
    }
    if (!/^urn:[^:]/i.test(schema) || schema.endsWith(':') || schema.includes('::')) {
      throw fail(
        `"${word}" at position ${start} is not a valid attribute path: a schema-qualified name must start with a URN such as "urn:ietf:params:scim:schemas:core:2.0:User"`,
      );
    }
    if (rest.length === 0) {
      throw fail(`"${word}" at position ${start}: an attribute name must follow the schema URN`);
    }
  }
  const dot = rest.indexOf('.');
  const attr = dot < 0 ? rest : rest.slice(0, dot);
  const sub = dot < 0 ? undefined : rest.slice(dot + 1);
  if (!isAttrName(attr)) {
    throw fail(
      `"${word}" at position ${start} is not a valid attribute path: "${attr}" is not a valid attribute name`,
    );
  }
  if (sub !== undefined) {
    if (insideValuePath) {
      throw fail(`"${word}" at position ${start}: names inside [...] must be plain sub-attribute names`);
    }
    if (!isAttrName(sub)) {
      throw fail(
        sub.includes('.')
          ? `"${word}" at position ${start}: an attribute path has at most one sub-attribute level`
          : `"${word}" at position ${start} is not a valid attribute path: "${sub}" is not a valid sub-attribute name`,
      );
    }
  }
  const path: AttrPath = { attr };
  if (schema !== undefined) path.schema = schema;
  if (sub !== undefined) path.sub = sub;
  return path;
}

function describeChar(text: string, pos: number): string {
  return pos >= text.length ? 'the end of the filter' : `"${text[pos]}" at position ${pos}`;
}

class FilterParser {
  private pos: number;
  private depth = 0;

  constructor(
    private readonly text: string,
    start: number,
  ) {
    this.pos = start;
  }

  get position(): number {
    return this.pos;
  }

  skipSpace(): void {
    const { text } = this;
    while (this.pos < text.length && isSpace(text.charCodeAt(this.pos))) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private enter(at: number): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw invalidFilter(`Filter nests deeper than ${MAX_FILTER_DEPTH} levels at position ${at}`);
    }
  }

  private scanWord(): string {
    const start = this.pos;
    const { text } = this;
    while (this.pos < text.length && isWordChar(text.charCodeAt(this.pos))) this.pos++;
    return text.slice(start, this.pos);
  }

  /** The lower-cased word at the cursor without consuming it ('' when none). */
  private peekWordLower(): string {
    const save = this.pos;
    const word = this.scanWord();
    this.pos = save;
    return word.toLowerCase();
  }

  /** filter = andExpr *("or" andExpr); `and` binds tighter than `or` (RFC 7644 §3.4.2.2, Table 4). */
  parseOr(insideValuePath: boolean): Filter {
    let left = this.parseAnd(insideValuePath);
    for (;;) {
      this.skipSpace();
      if (this.peekWordLower() !== 'or') return left;
      this.pos += 2;
      left = { op: 'or', left, right: this.parseAnd(insideValuePath) };
    }
  }

  private parseAnd(insideValuePath: boolean): Filter {
    let left = this.parseUnary(insideValuePath);
    for (;;) {
      this.skipSpace();
      if (this.peekWordLower() !== 'and') return left;
      this.pos += 3;
      left = { op: 'and', left, right: this.parseUnary(insideValuePath) };
    }
  }

  private parseUnary(insideValuePath: boolean): Filter {
    this.skipSpace();
    const { text } = this;
    if (this.atEnd()) {
      throw invalidFilter(
        `Expected an attribute expression at position ${this.pos}, but the filter ends there`,
      );
    }
    const c = text.charCodeAt(this.pos);
    if (c === CH_LPAREN) return this.parseGroup(insideValuePath);
    if (!isWordStart(c)) {
      throw invalidFilter(
        `Expected an attribute name or "(" at position ${this.pos}, found "${text[this.pos]}"`,
      );
    }
    const start = this.pos;
    const word = this.scanWord();
    if (word.toLowerCase() === 'not') {
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== CH_LPAREN) {
        throw invalidFilter(
          `"not" at position ${start} must be followed by a parenthesised filter, e.g. not (title pr)`,
        );
      }
      return { op: 'not', filter: this.parseGroup(insideValuePath) };
    }
    return this.parseAttrExpr(word, start, insideValuePath);
  }

  /** "(" filter ")" with the cursor on "(". */
  private parseGroup(insideValuePath: boolean): Filter {
    const open = this.pos;
    this.enter(open);
    this.pos++;
    const inner = this.parseOr(insideValuePath);
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== CH_RPAREN) {
      throw invalidFilter(
        `Missing ")" for the "(" at position ${open}: expected "and", "or" or ")" but found ${describeChar(this.text, this.pos)}`,
      );
    }
    this.pos++;
    this.depth--;
    return inner;
  }

  private parseAttrExpr(word: string, start: number, insideValuePath: boolean): Filter {
    const path = toAttrPath(word, start, invalidFilter, insideValuePath);
    const { text } = this;
    this.skipSpace();
    if (text.charCodeAt(this.pos) === CH_LBRACKET) {
      return this.parseValuePath(path, word, start, insideValuePath);
    }
    return this.parseComparison(path, word);
  }

  /** valuePath = attrPath "[" valFilter "]", plus Entra's trailing ".sub op value" form. */
  private parseValuePath(path: AttrPath, word: string, start: number, insideValuePath: boolean): Filter {
    const { text } = this;
    const open = this.pos;
    if (insideValuePath) {
      throw invalidFilter(`Value paths cannot be nested: "[" at position ${open} is inside another "[...]"`);
    }
    if (path.sub !== undefined) {
      throw invalidFilter(
        `"${word}" at position ${start}: "[...]" must follow a multi-valued attribute, not a sub-attribute`,
      );
    }
    let filter = this.parseBracket();
    // Entra sends `emails[type eq "work"].value eq "x"`: the trailing comparison applies to the
    // same element, so it joins the bracketed filter.
    if (text.charCodeAt(this.pos) === CH_DOT) {
      this.pos++;
      const subStart = this.pos;
      const sub = this.scanWord();
      if (!isAttrName(sub)) {
        throw invalidFilter(`Expected a sub-attribute name after "]." at position ${subStart}`);
      }
      this.skipSpace();
      const trailing = this.parseComparison({ attr: sub }, `${word}[...].${sub}`);
      filter = { op: 'and', left: filter, right: trailing };
    }
    return { op: 'valuePath', path, filter };
  }

  /** Parses "[" valFilter "]" with the cursor on "[", leaving it after "]". */
  parseBracket(): Filter {
    const open = this.pos;
    this.enter(open);
    this.pos++;
    const filter = this.parseOr(true);
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== CH_RBRACKET) {
      throw invalidFilter(
        `Missing "]" for the "[" at position ${open}: expected "and", "or" or "]" but found ${describeChar(this.text, this.pos)}`,
      );
    }
    this.pos++;
    this.depth--;
    return filter;
  }

  private parseComparison(path: AttrPath, label: string): Filter {
    const { text } = this;
    const opStart = this.pos;
    if (this.atEnd()) {
      throw invalidFilter(
        `Expected an operator (${OPERATOR_LIST}) after "${label}", but the filter ends there`,
      );
    }
    if (!isWordStart(text.charCodeAt(opStart))) {
      throw invalidFilter(
        `Expected an operator (${OPERATOR_LIST}) after "${label}" at position ${opStart}, found "${text[opStart]}"`,
      );
    }
    const opWord = this.scanWord();
    const op = opWord.toLowerCase();
    if (op === 'pr') {
      this.rejectValueAfterPresent(opStart);
      return { op: 'pr', path };
    }
    if (!COMPARE_OPS.has(op)) {
      throw invalidFilter(
        `Unknown operator "${opWord}" at position ${opStart}; expected one of ${OPERATOR_LIST}`,
      );
    }
    this.skipSpace();
    const value = this.parseValue(opWord);
    return { op: op as CompareOp, path, value };
  }

  /** `pr` is unary (RFC 7644 §3.4.2.2); a value after it is a client mistake worth naming. */
  private rejectValueAfterPresent(opStart: number): void {
    const save = this.pos;
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    const word = this.peekWordLower();
    if (
      c === CH_QUOTE ||
      c === CH_MINUS ||
      isDigit(c) ||
      word === 'true' ||
      word === 'false' ||
      word === 'null'
    ) {
      throw invalidFilter(
        `Operator "pr" at position ${opStart} takes no value, but one follows at position ${this.pos}`,
      );
    }
    this.pos = save;
  }

  /** compValue = false / null / true / number / string (RFC 7644 §3.4.2.2). */
  private parseValue(opWord: string): FilterValue {
    const { text } = this;
    const start = this.pos;
    if (this.atEnd()) {
      throw invalidFilter(`Missing comparison value after "${opWord}": the filter ends at position ${start}`);
    }
    const c = text.charCodeAt(start);
    if (c === CH_QUOTE) return this.scanString();
    if (c === CH_MINUS || isDigit(c)) return this.scanNumber();
    if (isWordStart(c)) {
      const word = this.scanWord();
      // Keywords are case-insensitive in practice (IdPs send `True`), though the ABNF spells them lower-case.
      switch (word.toLowerCase()) {
        case 'true':
          return true;
        case 'false':
          return false;
        case 'null':
          return null;
      }
      throw invalidFilter(
        `Comparison value "${word}" at position ${start} must be a quoted string, a number, true, false or null`,
      );
    }
    throw invalidFilter(
      `Missing comparison value after "${opWord}" at position ${start}, found "${text[start]}"`,
    );
  }

  /** A JSON string (RFC 8259 §7), validated here and decoded by JSON.parse. */
  private scanString(): string {
    const { text } = this;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= text.length) throw invalidFilter(`Unterminated string starting at position ${start}`);
      const c = text.charCodeAt(i);
      if (c === CH_QUOTE) break;
      if (c === CH_BACKSLASH) {
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!isHex(text.charCodeAt(i + k))) {
              throw invalidFilter(`Invalid \\u escape at position ${i}: four hex digits must follow`);
            }
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw invalidFilter(`Invalid escape "\\${e ?? ''}" at position ${i} in a string value`);
        }
        continue;
      }
      if (c < 0x20)
        throw invalidFilter(`Control character at position ${i} must be escaped in a string value`);
      i++;
    }
    this.pos = i + 1;
    return JSON.parse(text.slice(start, i + 1)) as string;
  }

  /** number = ["-"] int [frac] [exp] (RFC 8259 §6). */
  private scanNumber(): number {
    const { text } = this;
    const start = this.pos;
    let i = start;
    const bad = () =>
      invalidFilter(`Invalid number "${text.slice(start, Math.max(i + 1, start + 1))}" at position ${start}`);
    if (text.charCodeAt(i) === CH_MINUS) i++;
    if (text.charCodeAt(i) === 48) i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else throw bad();
    if (text.charCodeAt(i) === CH_DOT) {
      i++;
      if (!isDigit(text.charCodeAt(i))) throw bad();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 43 || sign === CH_MINUS) i++;
      if (!isDigit(text.charCodeAt(i))) throw bad();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (i < text.length && isWordChar(text.charCodeAt(i))) throw bad();
    const value = Number(text.slice(start, i));
    if (!Number.isFinite(value)) throw invalidFilter(`Number at position ${start} is out of range`);
    this.pos = i;
    return value;
  }
}

/** Parses a `filter` query parameter (RFC 7644 §3.4.2.2). Throws 400 invalidFilter. */
/**
 * `attr eq "text"` with a plain attribute name and a string without escapes: the IdPs'
 * lookups (userName, externalId, displayName), nearly every filter sent. Read by one regular
 * expression into the AST the parser builds for it; anything else goes to the parser.
 */
const PLAIN_EQUALITY =
  /^[ \t\n\r]*([A-Za-z$][A-Za-z0-9_$-]*)[ \t\n\r]+[eE][qQ][ \t\n\r]+"([ !#-[\]-\uffff]*)"[ \t\n\r]*$/;

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(
      `Filter is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`,
    );
  }
  const plain = PLAIN_EQUALITY.exec(text);
  // "not" is the keyword, never an attribute: `not eq "x"` is the parser's to refuse.
  if (plain !== null && plain[1]!.toLowerCase() !== 'not') {
    return { op: 'eq', path: { attr: plain[1]! }, value: plain[2]! };
  }
  const parser = new FilterParser(text, 0);
  parser.skipSpace();
  if (parser.atEnd()) throw invalidFilter('Filter is empty');
  const filter = parser.parseOr(false);
  parser.skipSpace();
  if (!parser.atEnd()) {
    const at = parser.position;
    const c = text.charCodeAt(at);
    if (c === CH_RPAREN) throw invalidFilter(`Unbalanced ")" at position ${at}`);
    if (c === CH_RBRACKET) throw invalidFilter(`Unbalanced "]" at position ${at}`);
    throw invalidFilter(
      `Unexpected text at position ${at} after a complete expression; expected "and" or "or"`,
    );
  }
  return filter;
}

/**
 * Parses the bracketed value filter of a PATCH path (RFC 7644 §3.5.2) starting at the "[" at
 * `open`. Returns the filter and the offset just after "]". Errors are 400 invalidFilter.
 */
export function parseValueFilterAt(text: string, open: number): { filter: Filter; end: number } {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(
      `Filter is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`,
    );
  }
  const parser = new FilterParser(text, open);
  const filter = parser.parseBracket();
  return { filter, end: parser.position };
}

/**
 * Parses one attribute path as used by `sortBy`, `attributes` and `excludedAttributes`
 * (RFC 7644 §3.4.2.3, §3.9): `[schemaUrn:]attr[.sub]`. Throws 400 invalidPath.
 */
export function parseAttrPath(text: string): AttrPath {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw invalidPath('Attribute path is empty');
  if (trimmed.length > MAX_FILTER_LENGTH) throw invalidPath('Attribute path is too long');
  for (let i = 0; i < trimmed.length; i++) {
    if (!isWordChar(trimmed.charCodeAt(i))) {
      throw invalidPath(
        `"${trimmed}" is not a valid attribute path: unexpected "${trimmed[i]}" at position ${i}`,
      );
    }
  }
  return toAttrPath(trimmed, 0, invalidPath, false);
}

/** Parses a comma-separated list of attribute paths; blank entries are ignored. */
export function parseAttrPathList(text: string): AttrPath[] {
  if (text.length > MAX_ATTR_PATH_LIST_LENGTH) {
    throw invalidPath(`Attribute list is longer than ${MAX_ATTR_PATH_LIST_LENGTH} characters`);
  }
  const paths: AttrPath[] = [];
  for (const entry of text.split(',')) {
    if (entry.trim().length > 0) paths.push(parseAttrPath(entry));
  }
  return paths;
}
