/**
 * Rows and SQL of the account API's access tables (migration 6): sign-in challenges, API
 * sessions and firewall rules. Both dialects share these statements (`?` placeholders; the
 * PostgreSQL store rewrites them); `DELETE … RETURNING` works in SQLite ≥ 3.35 and PostgreSQL.
 */
import type { ApiChallenge, ApiSession, FirewallRule } from '../account/model.ts';
import { type Row, text } from './rows.ts';

export const API_CHALLENGE_COLUMNS = 'id, key_id, nonce, created_at, expires_at';
export const API_SESSION_COLUMNS = 'token_hash, integration_id, key_id, address, created_at, expires_at';
export const FIREWALL_RULE_COLUMNS = 'id, action, kind, cidr, note, created_at';

/** What makes two rules the same rule: their range, or the one network-list rule. */
export const LISTED_NETWORKS_SUBJECT = 'listed-networks';

export const ACCESS_SQL = {
  insertApiChallenge: `INSERT INTO api_challenges (${API_CHALLENGE_COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
  takeApiChallenge: `DELETE FROM api_challenges WHERE id = ? RETURNING ${API_CHALLENGE_COLUMNS}`,
  insertApiSession: `INSERT INTO api_sessions (${API_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
  getApiSession: `SELECT ${API_SESSION_COLUMNS} FROM api_sessions WHERE token_hash = ?`,
  deleteApiSessions: 'DELETE FROM api_sessions',
  purgeApiChallenges: 'DELETE FROM api_challenges WHERE expires_at < ?',
  purgeApiSessions: 'DELETE FROM api_sessions WHERE expires_at < ?',
  listFirewallRules: `SELECT ${FIREWALL_RULE_COLUMNS} FROM firewall_rules ORDER BY seq`,
  insertFirewallRule: `INSERT INTO firewall_rules (${FIREWALL_RULE_COLUMNS}, subject) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  deleteFirewallRule: 'DELETE FROM firewall_rules WHERE id = ?',
} as const;

export function apiChallengeValues(challenge: ApiChallenge): unknown[] {
  return [challenge.id, challenge.keyId, challenge.nonce, challenge.createdAt, challenge.expiresAt];
}

export function apiChallengeFromRow(row: Row): ApiChallenge {
  return {
    id: row.id as string,
    keyId: row.key_id as string,
    nonce: row.nonce as string,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string,
  };
}

export function apiSessionValues(session: ApiSession): unknown[] {
  return [
    session.tokenHash,
    session.integrationId,
    session.keyId,
    session.address,
    session.createdAt,
    session.expiresAt,
  ];
}

export function apiSessionFromRow(row: Row): ApiSession {
  return {
    tokenHash: row.token_hash as string,
    integrationId: row.integration_id as string,
    keyId: row.key_id as string,
    address: row.address as string,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string,
  };
}

export function firewallRuleValues(rule: FirewallRule): unknown[] {
  return [
    rule.id,
    rule.action,
    rule.kind,
    rule.cidr,
    rule.note,
    rule.createdAt,
    rule.kind === 'listed_networks' ? LISTED_NETWORKS_SUBJECT : rule.cidr,
  ];
}

export function firewallRuleFromRow(row: Row): FirewallRule {
  return {
    id: row.id as string,
    action: row.action as FirewallRule['action'],
    kind: row.kind as FirewallRule['kind'],
    cidr: text(row.cidr),
    note: text(row.note),
    createdAt: row.created_at as string,
  };
}
