// SQL both dialects share, with `?` placeholders; lookups use the unique indexes' `lower(x)`.

import { keyChainSql } from './key-chain-sql.ts';
import { deleteQueuedMailOfMemberSql } from './people-sql.ts';
import {
  ACCOUNT,
  ACTIVITY,
  API_CHALLENGE,
  API_SESSION,
  BRIDGE_HEALTH,
  CREDENTIAL,
  EMAIL_CHANGE_TOKEN,
  FIREWALL_RULE,
  GROUP_COLUMNS,
  INTEGRATION,
  INVITATION,
  MEMBER,
  MEMBER_KEYS,
  MONITORING_TOKEN,
  OUTBOX,
  SESSION,
} from './rows.ts';

const names = (columns: string) => columns.split(',').map((column) => column.trim());
const placeholders = (columns: string) => '?, '.repeat(names(columns).length).slice(0, -2);
/** `a = ?, b = ?` for every column but the first (the id). */
const assignments = (columns: string) =>
  names(columns)
    .slice(1)
    .map((c) => `${c} = ?`)
    .join(', ');
const upsertAssignments = (columns: string) =>
  names(columns)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
/** The columns but the first (the key an upsert conflicts on). */
const afterFirst = (columns: string) => columns.slice(columns.indexOf(',') + 1);

export const SQL = {
  getAccount: `SELECT ${ACCOUNT.columns} FROM account WHERE singleton = 1`,
  saveAccount:
    `INSERT INTO account (singleton, ${ACCOUNT.columns}) VALUES (1, ${placeholders(ACCOUNT.columns)}) ` +
    `ON CONFLICT (singleton) DO UPDATE SET ${upsertAssignments(ACCOUNT.columns)}`,

  insertMember: `INSERT INTO members (${MEMBER.columns}) VALUES (${placeholders(MEMBER.columns)})`,
  /** Parameters: member values without the id, then id, then the expected version. */
  updateMember: `UPDATE members SET ${assignments(MEMBER.columns)} WHERE id = ? AND version = ?`,
  getMember: `SELECT ${MEMBER.columns} FROM members WHERE id = ?`,
  findMemberByEmail: `SELECT ${MEMBER.columns} FROM members WHERE lower(email) = lower(?)`,
  findMemberByUserName: `SELECT ${MEMBER.columns} FROM members WHERE lower(user_name) = lower(?)`,
  findMemberByExternalId: `SELECT ${MEMBER.columns} FROM members WHERE external_id = ? ORDER BY seq LIMIT 1`,

  insertGroup: `INSERT INTO groups (${GROUP_COLUMNS}) VALUES (${placeholders(GROUP_COLUMNS)})`,
  updateGroup: `UPDATE groups SET ${assignments(GROUP_COLUMNS)} WHERE id = ? AND version = ?`,
  deleteGroup: 'DELETE FROM groups WHERE id = ?',
  getGroup: `SELECT ${GROUP_COLUMNS} FROM groups WHERE id = ?`,
  findGroupByDisplayName: `SELECT ${GROUP_COLUMNS} FROM groups WHERE name_key = ?`,
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
    `INSERT INTO member_keys (${MEMBER_KEYS.columns}) VALUES (${placeholders(MEMBER_KEYS.columns)}) ` +
    `ON CONFLICT (member_id) DO UPDATE SET ${upsertAssignments(MEMBER_KEYS.columns)}`,
  getMemberKeys: `SELECT ${MEMBER_KEYS.columns} FROM member_keys WHERE member_id = ?`,

  getIntegration: `SELECT ${INTEGRATION.columns} FROM integration WHERE singleton = 1`,
  saveIntegration:
    `INSERT INTO integration (singleton, ${INTEGRATION.columns}) VALUES (1, ${placeholders(INTEGRATION.columns)}) ` +
    `ON CONFLICT (singleton) DO UPDATE SET ${upsertAssignments(INTEGRATION.columns)}`,

  appendActivity: `INSERT INTO activity (${ACTIVITY.columns}) VALUES (${placeholders(ACTIVITY.columns)})`,
  listActivity: `SELECT ${ACTIVITY.columns} FROM activity ORDER BY seq DESC LIMIT ?`,
  /** `before` is the id of an entry already shown; older ones follow it. */
  listActivityBefore:
    `SELECT ${ACTIVITY.columns} FROM activity WHERE seq < (SELECT seq FROM activity WHERE id = ?) ` +
    'ORDER BY seq DESC LIMIT ?',
  listActivityOfTarget: `SELECT ${ACTIVITY.columns} FROM activity WHERE target_id = ? ORDER BY seq DESC LIMIT ?`,
  listActivityOfTargetBefore:
    `SELECT ${ACTIVITY.columns} FROM activity WHERE target_id = ? ` +
    'AND seq < (SELECT seq FROM activity WHERE id = ?) ORDER BY seq DESC LIMIT ?',
  deleteEmailChangeTokensOfMember: 'DELETE FROM email_change_tokens WHERE member_id = ?',
  /** Cascades to memberships (and their key shares), keys, credential, sessions, invitations. */
  deleteMember: 'DELETE FROM members WHERE id = ?',

  enqueueMail: `INSERT INTO outbox (${OUTBOX.columns}) VALUES (${placeholders(OUTBOX.columns)})`,
  getMail: `SELECT ${OUTBOX.columns} FROM outbox WHERE id = ?`,
  listMail: `SELECT ${OUTBOX.columns} FROM outbox ORDER BY seq DESC LIMIT ?`,
  listMailInState: `SELECT ${OUTBOX.columns} FROM outbox WHERE state = ? ORDER BY seq DESC LIMIT ?`,
  updateMail: `UPDATE outbox SET ${assignments(OUTBOX.columns)} WHERE id = ?`,
  finishMail:
    'UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ?, data = ?, ' +
    'claim_id = NULL, claimed_until = NULL WHERE id = ? AND claim_id = ?',

  insertEmailChangeToken: `INSERT INTO email_change_tokens (${EMAIL_CHANGE_TOKEN.columns}) VALUES (${placeholders(EMAIL_CHANGE_TOKEN.columns)})`,
  getEmailChangeToken: `SELECT ${EMAIL_CHANGE_TOKEN.columns} FROM email_change_tokens WHERE token_hash = ?`,
  latestEmailChangeToken: `SELECT ${EMAIL_CHANGE_TOKEN.columns} FROM email_change_tokens WHERE member_id = ? ORDER BY created_at DESC, token_hash LIMIT 1`,
  useEmailChangeToken: 'UPDATE email_change_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',

  // Sign-up and member sign-in (migration 3).
  insertInvitation: `INSERT INTO invitations (${INVITATION.columns}) VALUES (${INVITATION.placeholders})`,
  findInvitationByTokenHash: `SELECT ${INVITATION.columns} FROM invitations WHERE token_hash = ?`,
  listInvitations: `SELECT ${INVITATION.columns} FROM invitations WHERE member_id = ? ORDER BY created_at DESC, id DESC`,
  revokeOpenInvitations:
    'UPDATE invitations SET revoked_at = ? WHERE member_id = ? AND used_at IS NULL AND revoked_at IS NULL',
  markInvitationUsed:
    'UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
  saveMemberCredential:
    `INSERT INTO member_credentials (${CREDENTIAL.columns}) VALUES (${CREDENTIAL.placeholders}) ` +
    `ON CONFLICT (member_id) DO UPDATE SET ${upsertAssignments(afterFirst(CREDENTIAL.columns))}`,
  getMemberCredential: `SELECT ${CREDENTIAL.columns} FROM member_credentials WHERE member_id = ?`,
  insertMemberSession: `INSERT INTO member_sessions (${SESSION.columns}) VALUES (${SESSION.placeholders})`,
  getMemberSession: `SELECT ${SESSION.columns} FROM member_sessions WHERE token_hash = ?`,
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
  insertApiChallenge: `INSERT INTO api_challenges (${API_CHALLENGE.columns}) VALUES (${API_CHALLENGE.placeholders})`,
  takeApiChallenge: `DELETE FROM api_challenges WHERE id = ? RETURNING ${API_CHALLENGE.columns}`,
  insertApiSession: `INSERT INTO api_sessions (${API_SESSION.columns}) VALUES (${API_SESSION.placeholders})`,
  getApiSession: `SELECT ${API_SESSION.columns} FROM api_sessions WHERE token_hash = ?`,
  deleteApiSessions: 'DELETE FROM api_sessions',
  purgeApiChallenges: 'DELETE FROM api_challenges WHERE expires_at < ?',
  purgeApiSessions: 'DELETE FROM api_sessions WHERE expires_at < ?',
  listFirewallRules: `SELECT ${FIREWALL_RULE.columns} FROM firewall_rules ORDER BY seq`,
  insertFirewallRule: `INSERT INTO firewall_rules (${FIREWALL_RULE.columns}, subject) VALUES (${FIREWALL_RULE.placeholders}, ?)`,
  deleteFirewallRule: 'DELETE FROM firewall_rules WHERE id = ?',

  // Monitoring (migration 7), and the outbox count by state for `/metrics`.
  insertMonitoringToken: `INSERT INTO monitoring_tokens (${MONITORING_TOKEN.columns}) VALUES (${MONITORING_TOKEN.placeholders})`,
  findMonitoringToken: `SELECT ${MONITORING_TOKEN.columns} FROM monitoring_tokens WHERE token_hash = ?`,
  listMonitoringTokens: `SELECT ${MONITORING_TOKEN.columns} FROM monitoring_tokens ORDER BY created_at, id`,
  deleteMonitoringToken: 'DELETE FROM monitoring_tokens WHERE id = ?',
  listRecipients: 'SELECT email FROM notification_recipients ORDER BY seq',
  clearRecipients: 'DELETE FROM notification_recipients',
  insertRecipient: 'INSERT INTO notification_recipients (email) VALUES (?)',
  getBridgeHealth: `SELECT ${BRIDGE_HEALTH.columns} FROM bridge_health WHERE bridge_url = ?`,
  saveBridgeHealth:
    `INSERT INTO bridge_health (${BRIDGE_HEALTH.columns}) VALUES (${BRIDGE_HEALTH.placeholders}) ` +
    `ON CONFLICT (bridge_url) DO UPDATE SET ${upsertAssignments(afterFirst(BRIDGE_HEALTH.columns))}`,
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
