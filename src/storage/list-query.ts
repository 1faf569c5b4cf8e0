// SCIM list queries (RFC 7644 §3.4.2) as SQL. A sweep seeks from the last row served (a hint)
// instead of OFFSET, which is O(N²) over deep pages; without a hint it falls back to OFFSET.

import type { GroupListQuery, MemberListQuery } from '../account/store.ts';
import { invalidValue, tooMany } from '../scim/errors.ts';
import type { AttrPath, Filter } from '../scim/filter/ast.ts';
import { pathText, type ResourceAttributes, resolvePath, type ScalarAttribute } from './attributes.ts';
import { type SqlDialect, SqlParams } from './dialect.ts';
import { compileFilter } from './filter-sql.ts';
import type { Row } from './rows.ts';

interface ListSpec {
  table: 'members' | 'groups';
  resource: ResourceAttributes;
  columns: string;
  /** Trusted conditions (no parameters), e.g. "m.scim_deleted = FALSE". */
  conditions: string[];
  /** The counters row holding the total when there is no filter. */
  counter: string;
  filter?: Filter;
  sortBy?: AttrPath;
  descending?: boolean;
  startIndex: number;
  count: number;
}

/** Which rows a list covers: its fixed conditions and the counter that totals them. */
export type ListScope = Pick<ListSpec, 'conditions' | 'counter'>;

/** The scope of a member list, shared by both stores (and by both of their member reads). */
export function memberListScope(query: MemberListQuery): ListScope {
  return query.excludeScimDeleted
    ? { conditions: ['m.scim_deleted = FALSE'], counter: 'members_live' }
    : { conditions: [], counter: 'members' };
}

/** The scope of a group list, shared by both stores. */
export function groupListScope(query: GroupListQuery): ListScope {
  return query.managedOnly
    ? { conditions: ['g.managed = TRUE'], counter: 'groups_managed' }
    : { conditions: [], counter: 'groups' };
}

interface ListPlan {
  /** Either a counter to read or a COUNT query. */
  total: { counter: string } | { sql: string; params: unknown[] };
  /** Throws 400 tooMany when a bounded count reached its limit. */
  countedTotal(row: Row | undefined): number;
  /** A short OFFSET page ends the result, so no COUNT is needed (the IdPs' one-row lookups). */
  totalFromPage(rowCount: number): number | undefined;
  /** Undefined when count is 0 (total only). */
  rows?: { sql: string; params: unknown[] };
  /** Call with the number of rows fetched and the last one, so that the next page of a sweep can seek. */
  remember(rowCount: number, lastRow: Row | undefined): void;
}

const HINT_CAPACITY = 256;

// Substring filters cannot use indexes, so their count stops here; more is 400 tooMany (RFC 7644 §3.12).
export const SUBSTRING_MATCH_LIMIT = 1000;

function hasSubstring(filter: Filter): boolean {
  switch (filter.op) {
    case 'and':
    case 'or':
      return hasSubstring(filter.left) || hasSubstring(filter.right);
    case 'not':
    case 'valuePath':
      return hasSubstring(filter.filter);
    case 'co':
    case 'sw':
    case 'ew':
      return true;
    default:
      return false;
  }
}
/** How many pages back a sweep's request may find a hint to start from. */
const NEARBY_PAGES = 16;

/** A filter's SQL with the place of each parameter: a string of the filter (by order) or a constant. */
interface FilterTemplate {
  sql: string;
  slots: Array<number | { value: unknown }>;
}

/** What a list's SQL is for one shape of query (its values left out): built once, then reused. */
interface Shape {
  where: string;
  bounded: boolean;
  total: { counter: string } | { sql: string };
  countedTotal(row: Row | undefined): number;
  select: string;
  keys: string[];
  direction: string;
  count: number;
  /** The rows statement per kind of start: none, a hint (by its values' types), an OFFSET. */
  rows: Map<string, string>;
}

/** Query shapes and filter templates kept at most; past that each map starts over. */
const SHAPE_CAPACITY = 512;
const MARK = '\u0001';

export class ListPlanner {
  /** LRU: Map iteration order is insertion order, so re-inserting marks an entry as recent. */
  private readonly hints = new Map<string, unknown[]>();
  /** Null: a filter shape whose SQL depends on its values (dates, booleans, LIKE patterns). */
  private readonly filters = new Map<string, FilterTemplate | null>();
  private readonly shapes = new Map<string, Shape>();
  private readonly columnIds = new Map<string, number>();

  constructor(private readonly dialect: SqlDialect) {}

  plan(spec: ListSpec): ListPlan {
    const { dialect } = this;
    const filter = spec.filter && this.filterOf(spec);
    if (!(spec.count <= 0) && !Number.isSafeInteger(spec.count))
      throw invalidValue(`count must be a whole number, not ${spec.count}`);
    // The same SQL text each time also spares the statement cache hashing a new string.
    const key =
      filter?.key === undefined && spec.filter
        ? undefined
        : `${spec.table}\u0000${this.columnId(spec.columns)}\u0000${spec.counter}\u0000${spec.conditions.join('\u0000')}` +
          `\u0000${filter?.key ?? ''}\u0000${spec.sortBy ? JSON.stringify(spec.sortBy) : ''}\u0000${spec.descending === true}\u0000${Math.max(spec.count, 0)}`;
    let shape = key === undefined ? undefined : this.shapes.get(key);
    if (shape === undefined) {
      shape = this.shapeOf(spec, filter?.sql);
      if (key !== undefined) remember(this.shapes, key, shape);
    }
    const params = filter?.params ?? [];
    const total = 'counter' in shape.total ? shape.total : { sql: shape.total.sql, params };
    const { countedTotal } = shape;
    if (spec.count <= 0) return { total, countedTotal, totalFromPage: () => undefined, remember: () => {} };

    const { keys } = shape;
    let hintShape: string | undefined;
    const hintShapeOf = () => {
      hintShape ??= `${shape.select}${shape.where}${shape.direction}\u0000${JSON.stringify(params)}`;
      return hintShape;
    };
    const found = spec.startIndex > 1 ? this.findHint(hintShapeOf(), spec.startIndex, spec.count) : undefined;
    const hint = found?.keys;
    const rowParams = params.slice();
    if (hint) for (const value of hint) rowParams.push(dialect.bind(value));
    // From a hint, skip only the rows between it and the start (none for the exact one).
    const skip = found ? spec.startIndex - found.startIndex : spec.startIndex - 1;
    if (skip > 0) rowParams.push(skip);
    const variant = `${hint ? hint.map((value) => typeof value).join() : ''}${skip > 0 ? '+' : ''}`;
    let sql = shape.rows.get(variant);
    if (sql === undefined) {
      sql = this.rowsSql(shape, params.length, hint, skip > 0);
      shape.rows.set(variant, sql);
    }

    return {
      total,
      countedTotal,
      rows: { sql, params: rowParams },
      totalFromPage: (rowCount) =>
        !hint && rowCount < spec.count && (rowCount > 0 || spec.startIndex === 1)
          ? spec.startIndex - 1 + rowCount
          : undefined,
      remember: (rowCount, last) => {
        if (rowCount < spec.count || last === undefined) return;
        // bigint seq comes back from pg as a string; numbers bind without casts.
        const lastKeys = keys.map((_, i) => (i === keys.length - 1 ? Number(last[`k${i}`]) : last[`k${i}`]));
        this.putHint(`${hintShapeOf()}\u0000${spec.startIndex + spec.count}`, lastKeys);
      },
    };
  }

  /** The filter as SQL; `key` names its shape when the SQL is the same for any strings in it. */
  private filterOf(spec: ListSpec): { key?: string; sql: string; params: unknown[] } {
    const filter = spec.filter!;
    const strings: string[] = [];
    const key = `${spec.table}\u0000${shapeKey(filter, strings)}`;
    let template = this.filters.get(key);
    if (template === undefined) {
      template = filterTemplate(filter, spec.resource, this.dialect);
      remember(this.filters, key, template);
    }
    if (template === null) {
      const params = new SqlParams(this.dialect);
      return { sql: compileFilter(filter, spec.resource, this.dialect, params), params: params.values };
    }
    const params = template.slots.map((slot) => (typeof slot === 'number' ? strings[slot] : slot.value));
    return { key, sql: template.sql, params };
  }

  private columnId(columns: string): number {
    let id = this.columnIds.get(columns);
    if (id === undefined) {
      id = this.columnIds.size;
      this.columnIds.set(columns, id);
    }
    return id;
  }

  private shapeOf(spec: ListSpec, filterSql: string | undefined): Shape {
    const alias = spec.resource.alias;
    const conditions = [...spec.conditions];
    if (filterSql !== undefined) conditions.push(filterSql);
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const bounded = spec.filter !== undefined && hasSubstring(spec.filter);
    const total = !spec.filter
      ? { counter: spec.counter }
      : bounded
        ? {
            sql: `SELECT count(*) AS n FROM (SELECT 1 FROM ${spec.table} ${alias}${where} LIMIT ${SUBSTRING_MATCH_LIMIT + 1}) AS bounded`,
          }
        : { sql: `SELECT count(*) AS n FROM ${spec.table} ${alias}${where}` };
    const countedTotal = (row: Row | undefined): number => {
      const n = Number(row?.value ?? row?.n ?? 0);
      if (bounded && n > SUBSTRING_MATCH_LIMIT) {
        throw tooMany(
          `the filter matches more than ${SUBSTRING_MATCH_LIMIT.toLocaleString('en')} ${spec.table === 'members' ? 'users' : 'groups'}; ` +
            'substring filters (co, sw, ew) are counted only that far: narrow the filter',
        );
      }
      return n;
    };
    const keys = spec.count > 0 ? [...sortKeys(spec, this.dialect), `${alias}.seq`] : [];
    const select = `SELECT ${spec.columns}, ${keys.map((key, i) => `${key} AS k${i}`).join(', ')} FROM ${spec.table} ${alias}`;
    const direction = spec.descending ? ' DESC' : '';
    return {
      where,
      bounded,
      total,
      countedTotal,
      select,
      keys,
      direction,
      count: spec.count,
      rows: new Map(),
    };
  }

  private rowsSql(shape: Shape, position: number, hint: unknown[] | undefined, offset: boolean): string {
    const { keys, where, direction } = shape;
    const placeholder = (value: unknown) => this.dialect.placeholder(++position, value);
    let seek = '';
    if (hint) {
      const placeholders = hint.map(placeholder);
      const comparison = direction ? '<' : '>';
      seek =
        keys.length === 1
          ? `${keys[0]} ${comparison} ${placeholders[0]}`
          : `(${keys.join(', ')}) ${comparison} (${placeholders.join(', ')})`;
      seek = where ? ` AND ${seek}` : ` WHERE ${seek}`;
    }
    const order = ` ORDER BY ${keys.map((key) => `${key}${direction}`).join(', ')}`;
    // LIMIT is written, not bound: SQLite re-prepares on each bound LIMIT (3× a one-row lookup).
    return `${shape.select}${where}${seek}${order} LIMIT ${shape.count}${offset ? ` OFFSET ${placeholder(0)}` : ''}`;
  }

  /** A hint a few pages back still helps when concurrent page requests arrive out of order. */
  private findHint(
    shape: string,
    startIndex: number,
    count: number,
  ): { startIndex: number; keys: unknown[] } | undefined {
    for (let step = 0; step <= NEARBY_PAGES; step++) {
      const from = startIndex - step * count;
      if (from <= 1) return undefined;
      const keys = this.takeHint(`${shape}\u0000${from}`);
      if (keys) return { startIndex: from, keys };
    }
    return undefined;
  }

  private takeHint(key: string): unknown[] | undefined {
    const hint = this.hints.get(key);
    if (hint) {
      this.hints.delete(key);
      this.hints.set(key, hint);
    }
    return hint;
  }

  private putHint(key: string, value: unknown[]): void {
    this.hints.delete(key);
    this.hints.set(key, value);
    if (this.hints.size > HINT_CAPACITY) this.hints.delete(this.hints.keys().next().value!);
  }
}

/** Sets `key`, starting over when the map is full (shapes are few; a full map means odd queries). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= SHAPE_CAPACITY) map.clear();
  map.set(key, value);
}

/** The filter's structure with each non-empty string as a mark (collected into `strings`, in order). */
function shapeKey(filter: Filter, strings: string[]): string {
  switch (filter.op) {
    case 'and':
    case 'or':
      return `(${shapeKey(filter.left, strings)} ${filter.op} ${shapeKey(filter.right, strings)})`;
    case 'not':
      return `not(${shapeKey(filter.filter, strings)})`;
    case 'valuePath':
      return `${JSON.stringify(filter.path)}[${shapeKey(filter.filter, strings)}]`;
    case 'pr':
      return `${JSON.stringify(filter.path)} pr`;
    default: {
      const { value } = filter;
      if (typeof value !== 'string' || value === '')
        return `${JSON.stringify(filter.path)} ${filter.op} ${JSON.stringify(value)}`;
      strings.push(value);
      return `${JSON.stringify(filter.path)} ${filter.op} ${MARK}`;
    }
  }
}

/** The filter with its non-empty strings replaced by numbered marks, in `shapeKey`'s order. */
function marked(filter: Filter, next: { n: number }): Filter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return { ...filter, left: marked(filter.left, next), right: marked(filter.right, next) };
    case 'not':
    case 'valuePath':
      return { ...filter, filter: marked(filter.filter, next) };
    case 'pr':
      return filter;
    default:
      return typeof filter.value !== 'string' || filter.value === ''
        ? filter
        : { ...filter, value: `${MARK}${next.n++}${MARK}` };
  }
}

/**
 * Compiles the filter with marks for its strings. When every mark comes out as a parameter of
 * its own, the SQL holds for any strings in those places; a mark inside the SQL or inside a
 * parameter (a LIKE pattern), or one refused or read into no parameter (a date, a boolean),
 * means it does not.
 */
function filterTemplate(
  filter: Filter,
  resource: ResourceAttributes,
  dialect: SqlDialect,
): FilterTemplate | null {
  const params = new SqlParams(dialect);
  const marks = { n: 0 };
  let sql: string;
  try {
    sql = compileFilter(marked(filter, marks), resource, dialect, params);
  } catch {
    return null;
  }
  if (sql.includes(MARK)) return null;
  const slots: FilterTemplate['slots'] = [];
  const seen = new Set<number>();
  for (const value of params.values) {
    if (typeof value !== 'string' || !value.includes(MARK)) slots.push({ value });
    else {
      const n = Number(value.slice(1, -1));
      if (value !== `${MARK}${n}${MARK}`) return null;
      slots.push(n);
      seen.add(n);
    }
  }
  // A string that reached no parameter was read otherwise (a date, a boolean).
  return seen.size === marks.n ? { sql, slots } : null;
}

// RFC 7644 §3.4.2.3: case-insensitive attributes sort so; a leading "is null" key keeps keysets total.
function sortKeys(spec: ListSpec, dialect: SqlDialect): string[] {
  if (!spec.sortBy) return [];
  const resolved = resolvePath(spec.resource, spec.sortBy);
  let attribute: ScalarAttribute | undefined;
  if (resolved?.kind === 'scalar') attribute = resolved.attribute;
  else if (resolved?.kind === 'multi' && (resolved.sub === undefined || resolved.sub === 'value')) {
    attribute = resolved.attribute.sortAs;
  }
  if (!attribute || attribute.type === 'boolean') {
    throw invalidValue(`cannot sort by ${pathText(spec.sortBy)}`);
  }
  const sql = attribute.sql(dialect, spec.resource.alias);
  const value = attribute.caseExact || attribute.type === 'dateTime' ? sql : `lower(${sql})`;
  return attribute.nullable ? [`(${sql} IS NULL)`, `COALESCE(${value}, '')`] : [value];
}
