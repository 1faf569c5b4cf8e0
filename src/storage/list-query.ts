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

export class ListPlanner {
  /** LRU: Map iteration order is insertion order, so re-inserting marks an entry as recent. */
  private readonly hints = new Map<string, unknown[]>();

  constructor(private readonly dialect: SqlDialect) {}

  plan(spec: ListSpec): ListPlan {
    const { dialect } = this;
    const alias = spec.resource.alias;
    const params = new SqlParams(dialect);
    const conditions = [...spec.conditions];
    if (spec.filter) conditions.push(compileFilter(spec.filter, spec.resource, dialect, params));
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const bounded = spec.filter !== undefined && hasSubstring(spec.filter);
    const total = !spec.filter
      ? { counter: spec.counter }
      : bounded
        ? {
            sql: `SELECT count(*) AS n FROM (SELECT 1 FROM ${spec.table} ${alias}${where} LIMIT ${SUBSTRING_MATCH_LIMIT + 1}) AS bounded`,
            params: params.values,
          }
        : { sql: `SELECT count(*) AS n FROM ${spec.table} ${alias}${where}`, params: params.values };
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
    if (spec.count <= 0) return { total, countedTotal, totalFromPage: () => undefined, remember: () => {} };

    const keys = [...sortKeys(spec, dialect), `${alias}.seq`];
    const direction = spec.descending ? ' DESC' : '';
    const select = `SELECT ${spec.columns}, ${keys.map((key, i) => `${key} AS k${i}`).join(', ')} FROM ${spec.table} ${alias}`;
    const shape = `${select}${where}${direction}\u0000${JSON.stringify(params.values)}`;
    const found = this.findHint(shape, spec.startIndex, spec.count);
    const hint = found?.keys;

    const rowParams = new SqlParams(dialect);
    for (const value of params.values) rowParams.values.push(value);
    let seek = '';
    if (hint) {
      const placeholders = hint.map((value) => rowParams.add(value));
      const comparison = spec.descending ? '<' : '>';
      seek =
        keys.length === 1
          ? `${keys[0]} ${comparison} ${placeholders[0]}`
          : `(${keys.join(', ')}) ${comparison} (${placeholders.join(', ')})`;
      seek = where ? ` AND ${seek}` : ` WHERE ${seek}`;
    }
    const order = ` ORDER BY ${keys.map((key) => `${key}${direction}`).join(', ')}`;
    // LIMIT is written, not bound: SQLite re-prepares on each bound LIMIT (3× a one-row lookup).
    if (!Number.isSafeInteger(spec.count))
      throw invalidValue(`count must be a whole number, not ${spec.count}`);
    const limit = ` LIMIT ${spec.count}`;
    // From a hint, skip only the rows between it and the start (none for the exact one).
    const skip = found ? spec.startIndex - found.startIndex : spec.startIndex - 1;
    const offset = skip > 0 ? ` OFFSET ${rowParams.add(skip)}` : '';

    return {
      total,
      countedTotal,
      rows: { sql: `${select}${where}${seek}${order}${limit}${offset}`, params: rowParams.values },
      totalFromPage: (rowCount) =>
        !hint && rowCount < spec.count && (rowCount > 0 || spec.startIndex === 1)
          ? spec.startIndex - 1 + rowCount
          : undefined,
      remember: (rowCount, last) => {
        if (rowCount < spec.count || last === undefined) return;
        // bigint seq comes back from pg as a string; numbers bind without casts.
        const lastKeys = keys.map((_, i) => (i === keys.length - 1 ? Number(last[`k${i}`]) : last[`k${i}`]));
        this.putHint(`${shape}\u0000${spec.startIndex + spec.count}`, lastKeys);
      },
    };
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
