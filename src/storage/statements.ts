/**
 * The SQL both dialects share, written with `?` placeholders (PostgreSQL's store rewrites them
 * to `$n`). Lookups use the same `lower(x)` expressions as the unique indexes so that the
 * indexes serve them. Statements whose SQL differs per dialect live in each store.
 */
import {
  ACCOUNT_COLUMNS,
  ACTIVITY_COLUMNS,
  EMAIL_CHANGE_TOKEN_COLUMNS,
  GROUP_COLUMNS,
  INTEGRATION_COLUMNS,
  MEMBER_COLUMNS,
  MEMBER_KEY_COLUMNS,
  OUTBOX_COLUMNS,
} from './rows.ts';

const placeholders = (columns: string) =>
  columns
    .split(',')
    .map(() => '?')
    .join(', ');

/** `a = ?, b = ?` for every column but the first (the id). */
const assignments = (columns: string) =>
  columns
    .split(',')
    .slice(1)
    .map((column) => `${column.trim()} = ?`)
    .join(', ');

const upsertAssignments = (columns: string) =>
  columns
    .split(',')
    .map((column) => `${column.trim()} = excluded.${column.trim()}`)
    .join(', ');

export const SQL = {
  getAccount: `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE singleton = 1`,
  saveAccount:
    `INSERT INTO account (singleton, ${ACCOUNT_COLUMNS}) VALUES (1, ${placeholders(ACCOUNT_COLUMNS)}) ` +
    `ON CONFLICT (singleton) DO UPDATE SET ${upsertAssignments(ACCOUNT_COLUMNS)}`,

  insertMember: `INSERT INTO members (${MEMBER_COLUMNS}) VALUES (${placeholders(MEMBER_COLUMNS)})`,
  /** Parameters: member values without the id, then id, then the expected version. */
  updateMember: `UPDATE members SET ${assignments(MEMBER_COLUMNS)} WHERE id = ? AND version = ?`,
  getMember: `SELECT ${MEMBER_COLUMNS} FROM members WHERE id = ?`,
  findMemberByEmail: `SELECT ${MEMBER_COLUMNS} FROM members WHERE lower(email) = lower(?)`,
  findMemberByUserName: `SELECT ${MEMBER_COLUMNS} FROM members WHERE lower(user_name) = lower(?)`,
  findMemberByExternalId: `SELECT ${MEMBER_COLUMNS} FROM members WHERE external_id = ? ORDER BY seq LIMIT 1`,

  insertGroup: `INSERT INTO groups (${GROUP_COLUMNS}) VALUES (${placeholders(GROUP_COLUMNS)})`,
  updateGroup: `UPDATE groups SET ${assignments(GROUP_COLUMNS)} WHERE id = ? AND version = ?`,
  deleteGroup: 'DELETE FROM groups WHERE id = ?',
  getGroup: `SELECT ${GROUP_COLUMNS} FROM groups WHERE id = ?`,
  findGroupByDisplayName: `SELECT ${GROUP_COLUMNS} FROM groups WHERE lower(display_name) = lower(?)`,
  findGroupByKind: `SELECT ${GROUP_COLUMNS} FROM groups WHERE kind = ? ORDER BY seq LIMIT 1`,

  removeAllGroupMembers: 'DELETE FROM group_members WHERE group_id = ?',
  countGroupMembers: 'SELECT count(*) AS n FROM group_members WHERE group_id = ?',
  countGroupKeyShares: 'SELECT count(*) AS n FROM group_key_shares WHERE group_id = ?',
  listGroupMembers:
    'SELECT gm.member_id AS id, COALESCE(m.display_name, m.email) AS display FROM group_members gm ' +
    'JOIN members m ON m.id = gm.member_id WHERE gm.group_id = ? ORDER BY gm.member_id LIMIT ?',
  listGroupMembersAfter:
    'SELECT gm.member_id AS id, COALESCE(m.display_name, m.email) AS display FROM group_members gm ' +
    'JOIN members m ON m.id = gm.member_id WHERE gm.group_id = ? AND gm.member_id > ? ORDER BY gm.member_id LIMIT ?',

  readCounter: 'SELECT value FROM counters WHERE name = ?',

  saveMemberKeys:
    `INSERT INTO member_keys (${MEMBER_KEY_COLUMNS}) VALUES (${placeholders(MEMBER_KEY_COLUMNS)}) ` +
    `ON CONFLICT (member_id) DO UPDATE SET ${upsertAssignments(MEMBER_KEY_COLUMNS)}`,
  getMemberKeys: `SELECT ${MEMBER_KEY_COLUMNS} FROM member_keys WHERE member_id = ?`,

  getIntegration: `SELECT ${INTEGRATION_COLUMNS} FROM integration WHERE singleton = 1`,
  saveIntegration:
    `INSERT INTO integration (singleton, ${INTEGRATION_COLUMNS}) VALUES (1, ${placeholders(INTEGRATION_COLUMNS)}) ` +
    `ON CONFLICT (singleton) DO UPDATE SET ${upsertAssignments(INTEGRATION_COLUMNS)}`,

  appendActivity: `INSERT INTO activity (${ACTIVITY_COLUMNS}) VALUES (${placeholders(ACTIVITY_COLUMNS)})`,
  listActivity: `SELECT ${ACTIVITY_COLUMNS} FROM activity ORDER BY seq DESC LIMIT ?`,
  /** `before` is the id of an entry already shown; older ones follow it. */
  listActivityBefore:
    `SELECT ${ACTIVITY_COLUMNS} FROM activity WHERE seq < (SELECT seq FROM activity WHERE id = ?) ` +
    'ORDER BY seq DESC LIMIT ?',
  listActivityOfTarget: `SELECT ${ACTIVITY_COLUMNS} FROM activity WHERE target_id = ? ORDER BY seq DESC LIMIT ?`,
  listActivityOfTargetBefore:
    `SELECT ${ACTIVITY_COLUMNS} FROM activity WHERE target_id = ? ` +
    'AND seq < (SELECT seq FROM activity WHERE id = ?) ORDER BY seq DESC LIMIT ?',
  deleteEmailChangeTokensOfMember: 'DELETE FROM email_change_tokens WHERE member_id = ?',
  /** Cascades to memberships (and their key shares), keys, credential, sessions, invitations. */
  deleteMember: 'DELETE FROM members WHERE id = ?',

  enqueueMail: `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (${placeholders(OUTBOX_COLUMNS)})`,
  getMail: `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = ?`,
  listMail: `SELECT ${OUTBOX_COLUMNS} FROM outbox ORDER BY seq DESC LIMIT ?`,
  listMailInState: `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE state = ? ORDER BY seq DESC LIMIT ?`,
  updateMail: `UPDATE outbox SET ${assignments(OUTBOX_COLUMNS)} WHERE id = ?`,
  claimDueMail: claimDueMailSql(''),
  finishMail:
    'UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ?, data = ?, ' +
    'claim_id = NULL, claimed_until = NULL WHERE id = ? AND claim_id = ?',

  insertEmailChangeToken: `INSERT INTO email_change_tokens (${EMAIL_CHANGE_TOKEN_COLUMNS}) VALUES (${placeholders(EMAIL_CHANGE_TOKEN_COLUMNS)})`,
  getEmailChangeToken: `SELECT ${EMAIL_CHANGE_TOKEN_COLUMNS} FROM email_change_tokens WHERE token_hash = ?`,
  latestEmailChangeToken: `SELECT ${EMAIL_CHANGE_TOKEN_COLUMNS} FROM email_change_tokens WHERE member_id = ? ORDER BY created_at DESC, token_hash LIMIT 1`,
  useEmailChangeToken: 'UPDATE email_change_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
} as const;

/**
 * Claims due messages in one UPDATE. Parameters: claim id, claimed until, now, now, limit.
 * `rowLock` is appended to the inner SELECT (PostgreSQL's `FOR UPDATE SKIP LOCKED`; SQLite has
 * no row locks and needs none).
 */
export function claimDueMailSql(rowLock: string): string {
  return (
    'UPDATE outbox SET claim_id = ?, claimed_until = ? WHERE seq IN (' +
    "SELECT seq FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? " +
    `AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_attempt_at, seq LIMIT ?${rowLock}` +
    `) RETURNING ${OUTBOX_COLUMNS}`
  );
}

/** Values without the leading id, then the id: the parameter order of the update statements. */
export const idLast = (values: unknown[]): unknown[] => {
  const [id, ...rest] = values;
  rest.push(id);
  return rest;
};
