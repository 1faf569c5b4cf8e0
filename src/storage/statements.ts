// SQL both dialects share, with `?` placeholders; lookups use the unique indexes' `lower(x)`.

import type { ActivityQuery } from '../account/store.ts';
import { keyChainSql } from './key-chain-sql.ts';
import { deleteQueuedMailOfMemberSql } from './people-sql.ts';
import * as rows from './rows.ts';
import { GROUP_COLUMNS, type Table } from './rows.ts';

type Columns = Pick<Table<unknown>, 'columns' | 'placeholders'>;

const { ACCOUNT, ACTIVITY, API_CHALLENGE, API_SESSION, BRIDGE_HEALTH, CREDENTIAL, EMAIL_CHANGE_TOKEN } = rows;
const { FIREWALL_RULE, INTEGRATION, INVITATION, MEMBER, MEMBER_KEYS, MONITORING_TOKEN, OUTBOX, SESSION } =
  rows;

const insert = (table: string, { columns, placeholders }: Columns) =>
  `INSERT INTO ${table} (${columns}) VALUES (${placeholders})`;
const select = ({ columns }: Columns, from: string) => `SELECT ${columns} FROM ${from}`;
/** `a = ?, b = ?` for every column but the first (the id). */
const assignments = (columns: string) =>
  columns
    .split(', ')
    .slice(1)
    .map((c) => `${c} = ?`)
    .join(', ');
/** An insert that updates every column but the key, the first (or `singleton`, put first). */
const upsert = (table: string, t: Columns, key = '') => {
  const columns = t.columns.split(', ');
  const updated = key === 'singleton' ? columns : columns.slice(1);
  const into =
    key === 'singleton'
      ? `(singleton, ${t.columns}) VALUES (1, ${t.placeholders})`
      : `(${t.columns}) VALUES (${t.placeholders})`;
  return `INSERT INTO ${table} ${into} ON CONFLICT (${key || columns[0]}) DO UPDATE SET ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}`;
};

/** A page of activity, newest first: at most 2³ shapes, few enough to keep prepared. */
export function listActivitySql(page: ActivityQuery): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (page.targetId !== undefined) {
    conditions.push('target_id = ?');
    params.push(page.targetId);
  }
  if (page.action !== undefined) {
    conditions.push('action = ?');
    params.push(page.action);
  }
  if (page.before !== undefined) {
    // The id of an entry already shown; an unknown id names no place, so the page is empty.
    conditions.push('seq < (SELECT seq FROM activity WHERE id = ?)');
    params.push(page.before);
  }
  params.push(page.limit);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  return { sql: `${select(ACTIVITY, 'activity')}${where} ORDER BY seq DESC LIMIT ?`, params };
}

export const SQL = {
  getAccount: `${select(ACCOUNT, 'account')} WHERE singleton = 1`,
  saveAccount: upsert('account', ACCOUNT, 'singleton'),

  insertMember: insert('members', MEMBER),
  /** Parameters: member values without the id, then id, then the expected version. */
  updateMember: `UPDATE members SET ${assignments(MEMBER.columns)} WHERE id = ? AND version = ?`,
  getMember: `${select(MEMBER, 'members')} WHERE id = ?`,
  findMemberByEmail: `${select(MEMBER, 'members')} WHERE lower(email) = lower(?)`,
  findMemberByUserName: `${select(MEMBER, 'members')} WHERE lower(user_name) = lower(?)`,
  /** Parameters: userName, e-mail, userName, e-mail; each row says which it matched. */
  findMembersByUserNameOrEmail:
    `SELECT ${MEMBER.columns}, lower(user_name) = lower(?) AS by_user_name, lower(email) = lower(?) AS by_email ` +
    'FROM members WHERE lower(user_name) = lower(?) OR lower(email) = lower(?)',
  findMemberByExternalId: `${select(MEMBER, 'members')} WHERE external_id = ? ORDER BY seq LIMIT 1`,

  insertGroup: `INSERT INTO groups (${GROUP_COLUMNS}) VALUES (${rows.GROUP.placeholders}, ?)`,
  updateGroup: `UPDATE groups SET ${assignments(GROUP_COLUMNS)} WHERE id = ? AND version = ?`,
  deleteGroup: 'DELETE FROM groups WHERE id = ?',
  getGroup: `SELECT ${GROUP_COLUMNS} FROM groups WHERE id = ?`,
  findGroupByDisplayName: `SELECT ${GROUP_COLUMNS} FROM groups WHERE name_key = ?`,
  findGroupByKind: `SELECT ${GROUP_COLUMNS} FROM groups WHERE kind = ? ORDER BY seq LIMIT 1`,

  // Moving an integration (P20, migration 16); `managed` flips through the groups_managed counter's trigger.
  releaseManagedGroups:
    'UPDATE groups SET managed = FALSE, previous_integration_id = ?, updated_at = ?, version = version + 1 ' +
    "WHERE kind = 'custom' AND managed = TRUE",
  listPreviousIntegrationGroups:
    `SELECT ${GROUP_COLUMNS}, previous_integration_id, ` +
    '(SELECT count(*) FROM group_members gm WHERE gm.group_id = groups.id) AS member_count ' +
    'FROM groups WHERE previous_integration_id IS NOT NULL ORDER BY name_key, id',
  transferPreviousIntegrationGroups:
    'UPDATE groups SET managed = TRUE, previous_integration_id = NULL, updated_at = ?, version = version + 1 ' +
    `WHERE previous_integration_id IS NOT NULL RETURNING ${GROUP_COLUMNS}`,
  forgetPreviousIntegration:
    'UPDATE groups SET previous_integration_id = NULL WHERE id = ? AND previous_integration_id IS NOT NULL',

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

  saveMemberKeys: upsert('member_keys', MEMBER_KEYS),
  getMemberKeys: `${select(MEMBER_KEYS, 'member_keys')} WHERE member_id = ?`,

  getIntegration: `${select(INTEGRATION, 'integration')} WHERE singleton = 1`,
  saveIntegration: upsert('integration', INTEGRATION, 'singleton'),

  appendActivity: insert('activity', ACTIVITY),
  deleteEmailChangeTokensOfMember: 'DELETE FROM email_change_tokens WHERE member_id = ?',
  /** Cascades to memberships (and their key shares), keys, credential, sessions, invitations. */
  deleteMember: 'DELETE FROM members WHERE id = ?',

  enqueueMail: insert('outbox', OUTBOX),
  getMail: `${select(OUTBOX, 'outbox')} WHERE id = ?`,
  listMail: `${select(OUTBOX, 'outbox')} ORDER BY seq DESC LIMIT ?`,
  listMailInState: `${select(OUTBOX, 'outbox')} WHERE state = ? ORDER BY seq DESC LIMIT ?`,
  updateMail: `UPDATE outbox SET ${assignments(OUTBOX.columns)} WHERE id = ?`,
  finishMail:
    'UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ?, data = ?, ' +
    'claim_id = NULL, claimed_until = NULL WHERE id = ? AND claim_id = ?',

  insertEmailChangeToken: insert('email_change_tokens', EMAIL_CHANGE_TOKEN),
  getEmailChangeToken: `${select(EMAIL_CHANGE_TOKEN, 'email_change_tokens')} WHERE token_hash = ?`,
  latestEmailChangeToken: `${select(EMAIL_CHANGE_TOKEN, 'email_change_tokens')} WHERE member_id = ? ORDER BY created_at DESC, token_hash LIMIT 1`,
  useEmailChangeToken: 'UPDATE email_change_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',

  // Sign-up and member sign-in (migration 3).
  insertInvitation: insert('invitations', INVITATION),
  findInvitationByTokenHash: `${select(INVITATION, 'invitations')} WHERE token_hash = ?`,
  listInvitations: `${select(INVITATION, 'invitations')} WHERE member_id = ? ORDER BY created_at DESC, id DESC`,
  revokeOpenInvitations:
    'UPDATE invitations SET revoked_at = ? WHERE member_id = ? AND used_at IS NULL AND revoked_at IS NULL',
  markInvitationUsed:
    'UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
  saveMemberCredential: upsert('member_credentials', CREDENTIAL),
  getMemberCredential: `${select(CREDENTIAL, 'member_credentials')} WHERE member_id = ?`,
  insertMemberSession: insert('member_sessions', SESSION),
  getMemberSession: `${select(SESSION, 'member_sessions')} WHERE token_hash = ?`,
  deleteMemberSession: 'DELETE FROM member_sessions WHERE token_hash = ?',
  // Only ever later: two requests of one session that extend it at once cannot shorten it.
  extendMemberSession: 'UPDATE member_sessions SET expires_at = ? WHERE token_hash = ? AND expires_at < ?',
  deleteExpiredMemberSessions: 'DELETE FROM member_sessions WHERE expires_at <= ?',
  transferMemberKeys: 'UPDATE member_keys SET member_id = ? WHERE member_id = ?',
  transferMemberCredential: 'UPDATE member_credentials SET member_id = ? WHERE member_id = ?',
  deleteSessionsOfMember: 'DELETE FROM member_sessions WHERE member_id = ?',
  insertAccountSecret:
    'INSERT INTO account_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  getAccountSecret: 'SELECT value FROM account_secrets WHERE name = ?',

  // The account API's access (migration 6). DELETE … RETURNING: SQLite ≥ 3.35 and PostgreSQL.
  insertApiChallenge: insert('api_challenges', API_CHALLENGE),
  takeApiChallenge: `DELETE FROM api_challenges WHERE id = ? RETURNING ${API_CHALLENGE.columns}`,
  insertApiSession: insert('api_sessions', API_SESSION),
  getApiSession: `${select(API_SESSION, 'api_sessions')} WHERE token_hash = ?`,
  deleteApiSessions: 'DELETE FROM api_sessions',
  purgeApiChallenges: 'DELETE FROM api_challenges WHERE expires_at < ?',
  purgeApiSessions: 'DELETE FROM api_sessions WHERE expires_at < ?',
  listFirewallRules: `${select(FIREWALL_RULE, 'firewall_rules')} ORDER BY seq`,
  insertFirewallRule: `INSERT INTO firewall_rules (${FIREWALL_RULE.columns}, subject) VALUES (${FIREWALL_RULE.placeholders}, ?)`,
  deleteFirewallRule: 'DELETE FROM firewall_rules WHERE id = ?',

  // Monitoring (migration 7), and the outbox count by state for `/metrics`.
  insertMonitoringToken: insert('monitoring_tokens', MONITORING_TOKEN),
  findMonitoringToken: `${select(MONITORING_TOKEN, 'monitoring_tokens')} WHERE token_hash = ?`,
  listMonitoringTokens: `${select(MONITORING_TOKEN, 'monitoring_tokens')} ORDER BY created_at, id`,
  deleteMonitoringToken: 'DELETE FROM monitoring_tokens WHERE id = ?',
  listRecipients: 'SELECT email FROM notification_recipients ORDER BY seq',
  clearRecipients: 'DELETE FROM notification_recipients',
  insertRecipient: 'INSERT INTO notification_recipients (email) VALUES (?)',
  getBridgeHealth: `${select(BRIDGE_HEALTH, 'bridge_health')} WHERE bridge_url = ?`,
  saveBridgeHealth: upsert('bridge_health', BRIDGE_HEALTH),
  getMonitoringSwitch: 'SELECT enabled, changed_at FROM monitoring_switch WHERE only_row = 1',
  setMonitoringSwitch:
    'INSERT INTO monitoring_switch (only_row, enabled, changed_at) VALUES (1, ?, ?) ' +
    'ON CONFLICT (only_row) DO UPDATE SET enabled = excluded.enabled, changed_at = excluded.changed_at',
  countMailByState: 'SELECT state, count(*) AS n FROM outbox GROUP BY state',
} as const;

/** Values without the leading id, then the id: the parameter order of the update statements. */
export const idLast = (values: unknown[]): unknown[] => {
  const [id, ...rest] = values;
  rest.push(id);
  return rest;
};

/** The statements whose SQL differs per dialect: how a list of values is passed, and row locks. */
export function dialectSql(dialect: 'sqlite' | 'postgres') {
  const pg = dialect === 'postgres';
  const oneOf = (column: string): string =>
    pg ? `${column} = ANY(?::text[])` : `${column} IN (SELECT value FROM json_each(?))`;
  return {
    ...keyChainSql(dialect),
    addGroupMembers: pg
      ? 'INSERT INTO group_members (group_id, member_id) SELECT DISTINCT ?::text, m.id FROM unnest(?::text[]) AS u(id) ' +
        'JOIN members m ON m.id = u.id ON CONFLICT DO NOTHING'
      : 'INSERT OR IGNORE INTO group_members (group_id, member_id) ' +
        'SELECT ?, m.id FROM json_each(?) j JOIN members m ON m.id = j.value',
    removeGroupMembers: `DELETE FROM group_members WHERE group_id = ? AND ${oneOf('member_id')}`,
    filterGroupMembers: `SELECT member_id AS id FROM group_members WHERE group_id = ? AND ${oneOf('member_id')}`,
    listGroupsOfMembers:
      'SELECT gm.member_id, g.id, g.display_name, g.managed FROM group_members gm JOIN groups g ON g.id = gm.group_id ' +
      `WHERE ${oneOf('gm.member_id')} ORDER BY gm.member_id, g.seq`,
    listManagedGroupsOfMembers:
      'SELECT gm.member_id, g.id, g.display_name, g.managed FROM group_members gm JOIN groups g ON g.id = gm.group_id ' +
      `WHERE ${oneOf('gm.member_id')} AND g.managed = TRUE ORDER BY gm.member_id, g.seq`,
    existingMemberIds: `SELECT id FROM members WHERE ${oneOf('id')} AND scim_deleted = FALSE`,
    // SKIP LOCKED: senders never wait on each other's claims (SQLite's write lock does the same).
    claimDueMail:
      'UPDATE outbox SET claim_id = ?, claimed_until = ? WHERE seq IN (' +
      "SELECT seq FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? " +
      `AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_attempt_at, seq LIMIT ?${pg ? ' FOR UPDATE SKIP LOCKED' : ''}` +
      `) RETURNING ${OUTBOX.columns}`,
    // Locked so two servers checking one bridge neither lose a count nor send a second notice.
    getBridgeHealth: SQL.getBridgeHealth + (pg ? ' FOR UPDATE' : ''),
    // A dropped message keeps no link, sealed or clear (issue 12: nothing usable at rest).
    dropQueuedMail:
      `UPDATE outbox SET state = 'failed', last_error = ?, data = ${pg ? "data - 'link' - 'sealedLink'" : "json_remove(data, '$.link', '$.sealedLink')"}, ` +
      `claim_id = NULL, claimed_until = NULL WHERE state = 'queued' AND template = ? AND ${pg ? "data->>'memberId'" : "json_extract(data, '$.memberId')"} = ?`,
    deleteQueuedMailOfMember: deleteQueuedMailOfMemberSql(dialect),
  };
}
