// The SCIM request log (migration 12): pages newest first by `seq`, pruned by age, then count.
import type { ScimRequestEntry, ScimRequestRecord } from '../account/model.ts';
import type { ScimRequestQuery } from '../account/store.ts';
import { type Row, table } from './rows.ts';

const ENTRY = table<ScimRequestRecord>({
  at: 'text',
  idp: 'text',
  operation: 'text',
  method: 'text',
  path: 'text',
  resourceType: 'text',
  resourceId: 'null',
  status: 'int',
  scimType: 'null',
  detail: 'null',
  ms: 'int',
  body: 'null',
  bodyTruncated: 'flag',
});
const SELECTED = `seq, ${ENTRY.columns}`;

/** One row a statement: measured cheaper on SQLite than one statement of many rows. */
export const INSERT_SCIM_REQUEST = `INSERT INTO scim_requests (${ENTRY.columns}) VALUES (${ENTRY.placeholders})`;
export const GET_SCIM_REQUEST = `SELECT ${SELECTED} FROM scim_requests WHERE seq = ?`;
/** Entries arrive about in time order: the scan for the first young enough reads only the old ones. */
export const PRUNE_SCIM_REQUESTS_BY_AGE =
  'DELETE FROM scim_requests WHERE seq < coalesce(' +
  '(SELECT seq FROM scim_requests WHERE at >= ? ORDER BY seq LIMIT 1), ' +
  '(SELECT max(seq) + 1 FROM scim_requests), 0)';
/** Sequence numbers only grow, so "all but the newest n" is everything n below the largest. */
export const PRUNE_SCIM_REQUESTS_BY_COUNT =
  'DELETE FROM scim_requests WHERE seq <= (SELECT max(seq) FROM scim_requests) - ?';

export const scimRequestValues = ENTRY.values;
export const scimRequestFromRow = (row: Row): ScimRequestEntry => ({
  id: String(row.seq),
  ...ENTRY.fromRow(row),
});

/** One page's statement: at most 2⁵ shapes, so the statements stay few enough to keep prepared. */
export function listScimRequestsSql(query: ScimRequestQuery): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.before !== undefined) {
    // Ids are numbers; any other cursor names no entry, so the page is empty.
    if (/^\d{1,15}$/.test(query.before)) {
      conditions.push('seq < ?');
      params.push(Number(query.before));
    } else conditions.push('1 = 0');
  }
  if (query.idp !== undefined) {
    conditions.push('idp = ?');
    params.push(query.idp);
  }
  if (query.outcome !== undefined) conditions.push(query.outcome === 'ok' ? 'status < 400' : 'status >= 400');
  if (query.resourceType !== undefined) {
    conditions.push('resource_type = ?');
    params.push(query.resourceType);
  }
  if (query.from !== undefined) {
    conditions.push('at >= ?');
    params.push(query.from);
  }
  if (query.to !== undefined) {
    conditions.push('at < ?');
    params.push(query.to);
  }
  params.push(query.limit);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  return { sql: `SELECT ${SELECTED} FROM scim_requests${where} ORDER BY seq DESC LIMIT ?`, params };
}
