// A filter against ONE resource or element, for PATCH value filters (RFC 7644 §3.5.2); lists compile
// to SQL. Comparison per RFC 7644 §3.4.2.2 (caseExact, dateTimes as instants, any value of many).

import { invalidFilter } from '../errors.ts';
import type { AttributeDef } from '../schemas/types.ts';
import type { AttrPath, CompareOp, Filter, FilterValue } from './ast.ts';

/** Resolves `{schema?, attr}` to the attribute's definition and `{schema?, attr, sub}` to the sub-attribute's. */
export type DescribeAttribute = (path: AttrPath) => AttributeDef | undefined;
/** Resolves a sub-attribute name of the multi-valued attribute being filtered. */
export type DescribeSubAttribute = (subAttr: string) => AttributeDef | undefined;

type Scope = Record<string, unknown>;

/** True when `filter` holds for `resource`. Throws 400 invalidFilter for comparisons the schema forbids. */
export function matchFilter(filter: Filter, resource: Scope, describe: DescribeAttribute): boolean {
  return evaluate(filter, resource, describe, false);
}

/** A value path's inner filter on one element; its paths name sub-attributes, a primitive is `value`. */
export function matchValueFilter(
  filter: Filter,
  element: unknown,
  describeSub: DescribeSubAttribute,
): boolean {
  const scope = isObject(element) ? element : { value: element };
  return evaluate(filter, scope, (path) => describeInner(path, describeSub), true);
}

function describeInner(path: AttrPath, describeSub: DescribeSubAttribute): AttributeDef | undefined {
  const def = describeSub(path.attr);
  return path.sub === undefined ? def : findSub(def, path.sub);
}

function evaluate(
  filter: Filter,
  scope: Scope,
  describe: DescribeAttribute,
  insideValuePath: boolean,
): boolean {
  switch (filter.op) {
    case 'and':
      return (
        evaluate(filter.left, scope, describe, insideValuePath) &&
        evaluate(filter.right, scope, describe, insideValuePath)
      );
    case 'or':
      return (
        evaluate(filter.left, scope, describe, insideValuePath) ||
        evaluate(filter.right, scope, describe, insideValuePath)
      );
    case 'not':
      return !evaluate(filter.filter, scope, describe, insideValuePath);
    case 'pr':
      return isPresent(lookupPath(scope, filter.path));
    case 'valuePath':
      return matchValuePath(filter.path, filter.filter, scope, describe, insideValuePath);
    default:
      return compareAtPath(filter.op, filter.path, filter.value, scope, describe);
  }
}

/** All inner conditions must hold for one and the same element (RFC 7644 §3.4.2.2, valuePath). */
function matchValuePath(
  path: AttrPath,
  inner: Filter,
  scope: Scope,
  describe: DescribeAttribute,
  insideValuePath: boolean,
): boolean {
  if (insideValuePath) throw invalidFilter('Value paths cannot be nested');
  const parentDef = describe(pathWithoutSub(path));
  const describeSub: DescribeSubAttribute = (subAttr) =>
    parentDef?.subAttributes
      ? findSub(parentDef, subAttr)
      : describe({ ...pathWithoutSub(path), sub: subAttr });
  const target = lookupPath(scope, path);
  if (target === undefined || target === null) return false;
  const elements = Array.isArray(target) ? target : [target];
  for (const element of elements) {
    if (matchValueFilter(inner, element, describeSub)) return true;
  }
  return false;
}

function compareAtPath(
  op: CompareOp,
  path: AttrPath,
  expected: FilterValue,
  scope: Scope,
  describe: DescribeAttribute,
): boolean {
  // `ne` is the negation of `eq`, so it holds for an absent attribute and, on a multi-valued
  // attribute, only when no value equals; the SQL compiler (storage/filter-sql.ts) agrees.
  if (op === 'ne') return !compareAtPath('eq', path, expected, scope, describe);
  let def = describe(path);
  let values = lookupPath(scope, path);
  if (def?.type === 'complex' || (def === undefined && path.sub === undefined && holdsObjects(values))) {
    // A complex attribute compared without a sub-attribute compares its `value` (RFC 7644
    // §3.4.2.2: "emails co ..." means any email value; Entra sends `manager eq "id"`).
    if (def !== undefined) {
      const valueDef = findSub(def, 'value');
      if (valueDef === undefined) {
        throw invalidFilter(`"${label(path)}" is a complex attribute; compare one of its sub-attributes`);
      }
      def = valueDef;
    }
    values = collectSub(values, 'value');
  }
  if (expected === null) {
    // `attr eq null` is read as "has no value"; ordering against null means nothing.
    if (op === 'eq') return !isPresent(values);
    throw invalidFilter(`Operator "${op}" cannot compare "${label(path)}" with null`);
  }
  const compare = comparatorFor(op, def, expected, path);
  if (Array.isArray(values)) {
    for (const value of values) if (compare(value)) return true;
    return false;
  }
  return values !== undefined && values !== null && compare(values);
}

type Comparator = (actual: unknown) => boolean;

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, false: false };

function comparatorFor(
  op: CompareOp,
  def: AttributeDef | undefined,
  expected: FilterValue,
  path: AttrPath,
): Comparator {
  const type = def?.type ?? inferType(expected);
  switch (type) {
    case 'boolean': {
      // Some IdPs quote booleans (`active eq "true"`); the SQL compiler accepts that too.
      const flag = typeof expected === 'string' ? BOOLEAN_TEXT[expected.toLowerCase()] : expected;
      if (typeof flag !== 'boolean') {
        throw invalidFilter(`"${label(path)}" is a boolean; compare it with true or false`);
      }
      if (op === 'eq') return (actual) => actual === flag;
      throw invalidFilter(`Operator "${op}" cannot be used with the boolean attribute "${label(path)}"`);
    }
    case 'integer':
    case 'decimal': {
      if (typeof expected !== 'number') {
        throw invalidFilter(`"${label(path)}" is a number; compare it with a number`);
      }
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw invalidFilter(`Operator "${op}" cannot be used with the numeric attribute "${label(path)}"`);
      }
      return (actual) => typeof actual === 'number' && orderHolds(op, actual - expected);
    }
    case 'dateTime': {
      if (typeof expected !== 'string') {
        throw invalidFilter(`"${label(path)}" is a dateTime; compare it with a quoted timestamp`);
      }
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw invalidFilter(`Operator "${op}" cannot be used with the dateTime attribute "${label(path)}"`);
      }
      const wanted = parseInstant(expected);
      if (wanted === undefined) {
        throw invalidFilter(`"${expected}" is not a valid dateTime (RFC 3339) for "${label(path)}"`);
      }
      return (actual) => {
        const instant = typeof actual === 'string' ? parseInstant(actual) : undefined;
        return instant !== undefined && orderHolds(op, instant - wanted);
      };
    }
    case 'complex':
      throw invalidFilter(`"${label(path)}" is a complex attribute; compare one of its sub-attributes`);
    default: {
      // string, reference, binary: compare as text (binary and reference are case-exact per RFC 7643 §2.3).
      if (typeof expected === 'boolean') {
        throw invalidFilter(`"${label(path)}" is a string, not a boolean`);
      }
      const caseExact = def ? def.caseExact || type === 'binary' || type === 'reference' : false;
      return stringComparator(op, String(expected), caseExact);
    }
  }
}

function stringComparator(op: CompareOp, expected: string, caseExact: boolean): Comparator {
  const wanted = caseExact ? expected : expected.toLowerCase();
  const fold = caseExact ? (s: string) => s : (s: string) => s.toLowerCase();
  switch (op) {
    case 'co':
      return (actual) => typeof actual === 'string' && fold(actual).includes(wanted);
    case 'sw':
      return (actual) => typeof actual === 'string' && fold(actual).startsWith(wanted);
    case 'ew':
      return (actual) => typeof actual === 'string' && fold(actual).endsWith(wanted);
    default:
      return (actual) => {
        if (typeof actual !== 'string') return false;
        const folded = fold(actual);
        return orderHolds(op, folded === wanted ? 0 : folded < wanted ? -1 : 1);
      };
  }
}

/** Applies an ordering operator to the sign of (actual - expected). */
function orderHolds(op: CompareOp, difference: number): boolean {
  switch (op) {
    case 'eq':
      return difference === 0;
    case 'ne':
      return difference !== 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    default:
      return false;
  }
}

function inferType(expected: FilterValue): AttributeDef['type'] {
  if (typeof expected === 'boolean') return 'boolean';
  if (typeof expected === 'number') return 'decimal';
  return 'string';
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/**
 * Milliseconds since the epoch (sub-millisecond digits kept as a fraction) for an xsd:dateTime /
 * RFC 3339 timestamp (RFC 7643 §2.3.5). A value without an offset is taken as UTC.
 */
export function parseInstant(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  let instant = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (frac !== undefined) instant += Number(`0.${frac}`) * 1000;
  if (sign !== undefined) {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000;
    instant += sign === '+' ? -offset : offset;
  }
  return instant;
}

/** RFC 7644 §3.4.2.2 `pr`: null, "", [] and objects without present members are not present. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isObject(value)) {
    for (const key in value) if (isPresent(value[key])) return true;
    return false;
  }
  return true;
}

function isObject(value: unknown): value is Scope {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function holdsObjects(value: unknown): boolean {
  return Array.isArray(value) ? value.some(isObject) : isObject(value);
}

/** Own property by case-insensitive name (RFC 7643 §2.1), exact spelling tried first. */
function getProperty(scope: Scope, name: string): unknown {
  if (Object.hasOwn(scope, name)) return scope[name];
  const lower = name.toLowerCase();
  for (const key in scope) {
    if (key.toLowerCase() === lower && Object.hasOwn(scope, key)) return scope[key];
  }
  return undefined;
}

/**
 * The value(s) at `path`. A schema-qualified path looks inside the extension object keyed by
 * the URN when the resource has one (RFC 7643 §3.3); core-schema URNs address the top level.
 * An unqualified name missing from the top level is looked up in the extension objects, as
 * Entra's `manager eq "…"` names the Enterprise User attribute without its URN.
 * For `attr.sub` over a multi-valued attribute, the sub-attribute values of all elements.
 */
function lookupPath(scope: Scope, path: AttrPath): unknown {
  let container: Scope = scope;
  if (path.schema !== undefined) {
    const extension = getProperty(scope, path.schema);
    if (isObject(extension)) container = extension;
  }
  let value = getProperty(container, path.attr);
  if (value === undefined && path.schema === undefined) value = findInExtensions(scope, path.attr);
  return path.sub === undefined ? value : collectSub(value, path.sub);
}

function findInExtensions(scope: Scope, name: string): unknown {
  for (const key in scope) {
    const extension = scope[key];
    if (key.length > 4 && key.slice(0, 4).toLowerCase() === 'urn:' && isObject(extension)) {
      const value = getProperty(extension, name);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

function collectSub(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const element of value) {
      if (!isObject(element)) continue;
      const v = getProperty(element, sub);
      if (Array.isArray(v)) out.push(...v);
      else if (v !== undefined) out.push(v);
    }
    return out;
  }
  return isObject(value) ? getProperty(value, sub) : undefined;
}

function findSub(def: AttributeDef | undefined, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return def?.subAttributes?.find((s) => s.name.toLowerCase() === lower);
}

function pathWithoutSub(path: AttrPath): AttrPath {
  return path.schema === undefined ? { attr: path.attr } : { schema: path.schema, attr: path.attr };
}

function label(path: AttrPath): string {
  const base = path.sub === undefined ? path.attr : `${path.attr}.${path.sub}`;
  return path.schema === undefined ? base : `${path.schema}:${base}`;
}
