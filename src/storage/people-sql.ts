// The administrators' people list (issue 11): keyset pages in which each condition is an index
// range of migration 9; the database lowers texts, so searches compare as the indexes were built.
import type { MemberState } from '../account/model.ts';
import type { PeoplePage, PeopleQuery } from '../account/store.ts';
import { MEMBER, type Row } from './rows.ts';

/** What the search looks at, each a prefix range on its own index. */
const SEARCHED = ['email', 'display_name', 'given_name', 'family_name'] as const;

/** The list's order and keyset key; PostgreSQL compares it byte-wise, as SQLite does. */
function peopleKey(dialect: 'sqlite' | 'postgres', column: string): string {
  return dialect === 'sqlite' ? `lower(${column})` : `lower(${column}) COLLATE "C"`;
}

// PostgreSQL needs the type to pick `lower`; a CAST would hide SQLite's index from its planner.
const text = (dialect: 'sqlite' | 'postgres') => (dialect === 'sqlite' ? '?' : '?::text');

export function peopleSql(
  dialect: 'sqlite' | 'postgres',
  query: PeopleQuery,
): { sql: string; params: unknown[] } {
  const listKey = peopleKey(dialect, 'email');
  /** `opaque`: the value in a form no index matches, to keep an index out of the planner's choice. */
  const filters: Array<{ left: string; opaque: string; right: string; param?: unknown }> = [];
  const sqlite = dialect === 'sqlite';
  if (query.state !== undefined) {
    filters.push({
      left: 'state',
      opaque: sqlite ? '+state' : "(state || '')",
      right: '= ?',
      param: query.state,
    });
  }
  if (query.managed !== undefined) {
    filters.push({
      left: 'managed',
      opaque: sqlite ? '+managed' : '(managed AND TRUE)',
      right: query.managed ? '= TRUE' : '= FALSE',
    });
  }
  if (query.after !== undefined) {
    filters.push({
      left: listKey,
      opaque: sqlite ? `+${listKey}` : `(lower(email) || '') COLLATE "C"`,
      right: `> ${text(dialect)}`,
      param: query.after,
    });
  }
  const conditionsOf = (indexed: boolean, params: unknown[]) =>
    filters.map((filter) => {
      if (filter.param !== undefined) params.push(filter.param);
      return `${indexed ? filter.left : filter.opaque} ${filter.right}`;
    });
  const columns = `${MEMBER.columns}, ${listKey} AS people_key`;
  if (query.search === undefined || query.search === '') {
    if ((query.state === undefined) !== (query.managed === undefined)) {
      return rangesOfStateAndManaged(dialect, query, columns, listKey);
    }
    const params: unknown[] = [];
    const conditions = conditionsOf(true, params);
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    params.push(query.limit + 1);
    return { sql: `SELECT ${columns} FROM members${where} ORDER BY ${listKey} LIMIT ?`, params };
  }
  // One branch per searched column, each a prefix range of an index that also holds the list key,
  // so keys are cut to the page before rows are read; filters kept out of the index choice.
  const top = dialect === 'sqlite' ? 'char(1114111)' : 'chr(1114111)';
  const params: unknown[] = [];
  const branches = SEARCHED.map((column) => {
    const key = peopleKey(dialect, column);
    params.push(query.search, query.search);
    const conditions = [
      `${key} >= lower(${text(dialect)})`,
      `${key} < (lower(${text(dialect)}) || ${top})`,
      ...conditionsOf(column === 'email', params),
      ...(column === 'email' ? everyValueOfTheOther(query) : []),
    ];
    return `SELECT ${listKey} AS k FROM members WHERE ${conditions.join(' AND ')}`;
  });
  params.push(query.limit + 1, query.limit + 1);
  const keys = `SELECT DISTINCT k FROM (${branches.join(' UNION ALL ')}) AS matches ORDER BY k LIMIT ?`;
  return {
    sql: `SELECT ${columns} FROM members WHERE ${listKey} IN (${keys}) ORDER BY ${listKey} LIMIT ?`,
    params,
  };
}

const STATES: readonly MemberState[] = ['invited', 'pending', 'active', 'suspended'];

/**
 * With state alone or "managed" alone, every value of the other, so that the e-mail branch of
 * a search is a few ranges of `members_state_managed_email` rather than a walk of one state.
 */
function everyValueOfTheOther(query: PeopleQuery): string[] {
  if (query.state !== undefined && query.managed === undefined) return ['managed IN (FALSE, TRUE)'];
  if (query.managed !== undefined && query.state === undefined) {
    return [`state IN (${STATES.map((state) => `'${state}'`).join(', ')})`];
  }
  return [];
}

/**
 * State alone or "managed" alone: one range of `members_state_managed_email` per value of the
 * other column, each cut to the page, then merged (migration 15 dropped the single-column
 * indexes, which cost every create two more index pages).
 */
function rangesOfStateAndManaged(
  dialect: 'sqlite' | 'postgres',
  query: PeopleQuery,
  columns: string,
  listKey: string,
): { sql: string; params: unknown[] } {
  const pairs =
    query.state !== undefined
      ? [false, true].map((managed) => ({ state: query.state!, managed }))
      : STATES.map((state) => ({ state, managed: query.managed! }));
  const params: unknown[] = [];
  const branches = pairs.map(({ state, managed }, i) => {
    params.push(state);
    const after = query.after === undefined ? '' : ` AND ${listKey} > ${text(dialect)}`;
    if (query.after !== undefined) params.push(query.after);
    params.push(query.limit + 1);
    return (
      `SELECT * FROM (SELECT ${columns} FROM members WHERE state = ? AND managed = ${managed ? 'TRUE' : 'FALSE'}` +
      `${after} ORDER BY ${listKey} LIMIT ?) AS range${i}`
    );
  });
  params.push(query.limit + 1);
  return { sql: `${branches.join(' UNION ALL ')} ORDER BY people_key LIMIT ?`, params };
}

export const PEOPLE_COUNT_SQL = 'SELECT state, count(*) AS n FROM members GROUP BY state';

/** A deleted member's mail that has not gone out yet: its links no longer work, and it is about someone who is gone. */
export function deleteQueuedMailOfMemberSql(dialect: 'sqlite' | 'postgres'): string {
  const memberId = dialect === 'sqlite' ? "json_extract(data, '$.memberId')" : "(data ->> 'memberId')";
  return `DELETE FROM outbox WHERE state = 'queued' AND ${memberId} = ?`;
}

/** A page from the rows of `peopleSql` (one more than asked for, which says whether more follow). */
export function peoplePageOf(rows: readonly Row[], limit: number): PeoplePage {
  const members = rows.slice(0, limit).map(MEMBER.fromRow);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { members, nextAfter: last === undefined ? null : String(last.people_key) };
}

export function stateCountsOf(rows: readonly Row[]): Record<MemberState, number> {
  const counts: Record<MemberState, number> = { invited: 0, pending: 0, active: 0, suspended: 0 };
  for (const row of rows) {
    const state = String(row.state);
    if (Object.hasOwn(counts, state)) counts[state as MemberState] = Number(row.n);
  }
  return counts;
}
