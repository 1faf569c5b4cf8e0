// SCIM filters (RFC 7644 §3.4.2.2) as parameterised SQL over `attributes.ts`; `not`/`ne` use
// IS NOT TRUE so a missing attribute counts as not equal.

import { invalidFilter } from '../scim/errors.ts';
import type { AttrPath, CompareOp, Filter, FilterValue } from '../scim/filter/ast.ts';
import {
  type MultiAttribute,
  pathText,
  type ResourceAttributes,
  resolvePath,
  type ScalarAttribute,
} from './attributes.ts';
import type { SqlDialect, SqlParams } from './dialect.ts';

const ELEMENT_ALIAS = 'e';

interface Scope {
  resource: ResourceAttributes;
  dialect: SqlDialect;
  params: SqlParams;
  /** Set inside a value path: names then address sub-attributes of one element. */
  element?: { attribute: MultiAttribute; expression: string; path: AttrPath };
}

export function compileFilter(
  filter: Filter,
  resource: ResourceAttributes,
  dialect: SqlDialect,
  params: SqlParams,
): string {
  return compileNode(filter, { resource, dialect, params });
}

function compileNode(filter: Filter, scope: Scope): string {
  switch (filter.op) {
    case 'and':
    case 'or':
      return `(${compileNode(filter.left, scope)} ${filter.op.toUpperCase()} ${compileNode(filter.right, scope)})`;
    case 'not':
      return `((${compileNode(filter.filter, scope)}) IS NOT TRUE)`;
    case 'valuePath':
      return compileValuePath(filter.path, filter.filter, scope);
    case 'pr':
      return compilePresent(filter.path, scope);
    default:
      return compileComparison(filter.path, filter.op, filter.value, scope);
  }
}

const unsupported = (path: AttrPath) => invalidFilter(`filtering on ${pathText(path)} is not supported`);

/** Inside `emails[...]`, a name is a sub-attribute of the element being tested. */
function elementSub(path: AttrPath, scope: Scope): ScalarAttribute {
  const element = scope.element!;
  const sub = path.sub === undefined ? element.attribute.subs[path.attr.toLowerCase()] : undefined;
  if (!sub || path.schema) {
    throw invalidFilter(`filtering on ${pathText(element.path)}.${pathText(path)} is not supported`);
  }
  return sub;
}

function compileComparison(path: AttrPath, op: CompareOp, value: FilterValue, scope: Scope): string {
  if (scope.element) {
    return compareScalar(elementSub(path, scope), scope.element.expression, op, value, path, scope);
  }
  const resolved = resolvePath(scope.resource, path);
  if (!resolved) throw unsupported(path);
  if (resolved.kind === 'scalar') {
    return compareScalar(resolved.attribute, scope.resource.alias, op, value, path, scope);
  }
  if (op === 'ne') return `(${compileComparison(path, 'eq', value, scope)} IS NOT TRUE)`;
  if (value === null) {
    if (op === 'eq') return `(${compilePresent(path, scope)} IS NOT TRUE)`;
    throw invalidFilter(`${op} null is not a valid comparison for ${pathText(path)}`);
  }
  // A plain comparison on a multi-valued attribute holds when any element matches
  // (RFC 7644 §3.4.2.2, "multi-valued attributes").
  const multi = resolved.attribute;
  const subName = resolved.sub ?? 'value';
  const sub = multi.subs[subName];
  if (!sub) throw unsupported(path);
  const indexed = subName === 'value' && op === 'eq' && multi.valueIndex && typeof value === 'string';
  const prefilter = indexed ? `${multi.valueIndex!(scope.dialect, scope.params.add(value))} AND ` : '';
  const viaColumn =
    subName === 'value' && multi.column
      ? `${compareScalar(multi.column, scope.resource.alias, op, value, path, scope)} OR `
      : '';
  const elements = multi.elements(scope.dialect, ELEMENT_ALIAS);
  const test = compareScalar(sub, elements.element, op, value, path, scope);
  return `(${prefilter}(${viaColumn}EXISTS (SELECT 1 FROM ${elements.from} WHERE ${elements.where} AND ${test})))`;
}

function compilePresent(path: AttrPath, scope: Scope): string {
  if (scope.element) return present(elementSub(path, scope), scope.element.expression, scope);
  const resolved = resolvePath(scope.resource, path);
  if (!resolved) throw unsupported(path);
  if (resolved.kind === 'scalar') return present(resolved.attribute, scope.resource.alias, scope);
  const multi = resolved.attribute;
  const elements = multi.elements(scope.dialect, ELEMENT_ALIAS);
  const sub = resolved.sub === undefined ? undefined : multi.subs[resolved.sub];
  const test = sub ? ` AND ${present(sub, elements.element, scope)}` : '';
  const viaColumn =
    multi.column && (resolved.sub === undefined || resolved.sub === 'value')
      ? `${present(multi.column, scope.resource.alias, scope)} OR `
      : '';
  return `(${viaColumn}EXISTS (SELECT 1 FROM ${elements.from} WHERE ${elements.where}${test}))`;
}

/** RFC 7644 §3.4.2.2 "pr": has a non-empty value. */
function present(attribute: ScalarAttribute, owner: string, scope: Scope): string {
  const sql = attribute.sql(scope.dialect, owner);
  return attribute.type === 'string' ? `(${sql} IS NOT NULL AND ${sql} <> '')` : `(${sql} IS NOT NULL)`;
}

function compileValuePath(path: AttrPath, inner: Filter, scope: Scope): string {
  if (scope.element) throw invalidFilter('value paths cannot be nested');
  const resolved = resolvePath(scope.resource, path);
  if (resolved?.kind !== 'multi' || resolved.sub !== undefined) throw unsupported(path);
  const multi = resolved.attribute;
  const indexedValue = multi.valueIndex ? findValueEquality(inner) : undefined;
  const prefilter =
    indexedValue !== undefined
      ? `${multi.valueIndex!(scope.dialect, scope.params.add(indexedValue))} AND `
      : '';
  const elements = multi.elements(scope.dialect, ELEMENT_ALIAS);
  const elementScope: Scope = {
    ...scope,
    element: { attribute: multi, expression: elements.element, path },
  };
  // One EXISTS: every part of the inner filter must hold for the same element.
  const test = compileNode(inner, elementScope);
  return `(${prefilter}EXISTS (SELECT 1 FROM ${elements.from} WHERE ${elements.where} AND ${test}))`;
}

/** The `x` of a `value eq "x"` that the inner filter requires (it sits in a chain of ANDs). */
function findValueEquality(filter: Filter): string | undefined {
  if (filter.op === 'and') return findValueEquality(filter.left) ?? findValueEquality(filter.right);
  if (
    filter.op === 'eq' &&
    filter.path.sub === undefined &&
    filter.path.attr.toLowerCase() === 'value' &&
    typeof filter.value === 'string'
  ) {
    return filter.value;
  }
  return undefined;
}

function compareScalar(
  attribute: ScalarAttribute,
  owner: string,
  op: CompareOp,
  value: FilterValue,
  path: AttrPath,
  scope: Scope,
): string {
  const sql = attribute.sql(scope.dialect, owner);
  const { params } = scope;
  if (op === 'ne') {
    return `(${compareScalar(attribute, owner, 'eq', value, path, scope)} IS NOT TRUE)`;
  }
  if (value === null) {
    // `attr eq null` asks for "no value"; ordering against null means nothing.
    if (op === 'eq') return `(${present(attribute, owner, scope)} IS NOT TRUE)`;
    throw invalidFilter(`${op} null is not a valid comparison for ${pathText(path)}`);
  }
  switch (attribute.type) {
    case 'boolean': {
      // RFC 7644 §3.4.2.2 compares like with like; "true"/"false" strings too, as Entra sends them.
      const text = typeof value === 'string' ? value.toLowerCase() : undefined;
      const flag =
        value === true || text === 'true' ? true : value === false || text === 'false' ? false : null;
      if (flag === null) throw invalidFilter(`${pathText(path)} is a boolean; compare it with true or false`);
      if (op !== 'eq') throw invalidFilter(`${op} is not defined for the boolean ${pathText(path)}`);
      return `(${sql} = ${flag ? 'TRUE' : 'FALSE'})`;
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw invalidFilter(`${op} is not defined for the dateTime ${pathText(path)}`);
      }
      const instant = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(instant)) throw invalidFilter(`${pathText(path)} needs a dateTime value`);
      // Stored timestamps are ISO-8601 UTC with milliseconds; so is the normalised value.
      return `(${sql} ${SQL_ORDER[op]} ${params.add(new Date(instant).toISOString())})`;
    }
    default: {
      // A number against a string attribute would match nearly every row (RFC 7644 §3.4.2.2).
      if (typeof value !== 'string') {
        throw invalidFilter(`${pathText(path)} is a string; compare it with a quoted string, not ${value}`);
      }
      const text = value;
      const ci = !attribute.caseExact;
      if (op === 'co' || op === 'sw' || op === 'ew') {
        if (text === '') return `(${sql} IS NOT NULL)`;
        if (ci) {
          const pattern = `${op === 'sw' ? '' : '%'}${escapeLike(text)}${op === 'ew' ? '' : '%'}`;
          // SQLite's LIKE already ignores ASCII case, as far as its lower() folds.
          if (scope.dialect.name === 'sqlite') return `(${sql} LIKE ${params.add(pattern)} ESCAPE '\\')`;
          return `(lower(${sql}) LIKE lower(${params.add(pattern)}) ESCAPE '\\')`;
        }
        const { dialect } = scope;
        if (op === 'co') return `(${dialect.containsExact(sql, params.add(text))})`;
        if (op === 'sw') return `(${dialect.startsWithExact(sql, () => params.add(text))})`;
        return `(${dialect.endsWithExact(sql, () => params.add(text))})`;
      }
      return ci
        ? `(lower(${sql}) ${SQL_ORDER[op]} lower(${params.add(text)}))`
        : `(${sql} ${SQL_ORDER[op]} ${params.add(text)})`;
    }
  }
}

const SQL_ORDER: Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', string> = {
  eq: '=',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
