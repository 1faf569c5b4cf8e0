/**
 * Rows and SQL of the monitoring tables (migration 7): monitoring tokens, notification
 * recipients and the health monitor's state per bridge; plus the outbox count by state for
 * `/metrics`. Both dialects share these statements (`?` placeholders; the PostgreSQL store
 * rewrites them).
 */
import type { BridgeHealthRecord, MailState, MonitoringToken } from '../account/model.ts';
import { type Row, text } from './rows.ts';

const TOKEN_COLUMNS = 'token_hash, id, label, created_at';
const HEALTH_COLUMNS =
  'bridge_url, state, consecutive_failures, consecutive_successes, last_check_at, last_ok_at, last_error, reported_status, changed_at, last_notice_at, last_notice';

export const MONITORING_SQL = {
  insertMonitoringToken: `INSERT INTO monitoring_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?)`,
  findMonitoringToken: `SELECT ${TOKEN_COLUMNS} FROM monitoring_tokens WHERE token_hash = ?`,
  listMonitoringTokens: `SELECT ${TOKEN_COLUMNS} FROM monitoring_tokens ORDER BY created_at, id`,
  deleteMonitoringToken: 'DELETE FROM monitoring_tokens WHERE id = ?',
  listRecipients: 'SELECT email FROM notification_recipients ORDER BY seq',
  clearRecipients: 'DELETE FROM notification_recipients',
  insertRecipient: 'INSERT INTO notification_recipients (email) VALUES (?)',
  getBridgeHealth: `SELECT ${HEALTH_COLUMNS} FROM bridge_health WHERE bridge_url = ?`,
  saveBridgeHealth:
    `INSERT INTO bridge_health (${HEALTH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
    `ON CONFLICT (bridge_url) DO UPDATE SET ${HEALTH_COLUMNS.split(', ')
      .slice(1)
      .map((column) => `${column} = excluded.${column}`)
      .join(', ')}`,
  countMailByState: 'SELECT state, count(*) AS n FROM outbox GROUP BY state',
} as const;

export function monitoringTokenValues(token: MonitoringToken): unknown[] {
  return [token.tokenHash, token.id, token.label, token.createdAt];
}

export function monitoringTokenFromRow(row: Row): MonitoringToken {
  return {
    id: row.id as string,
    label: row.label as string,
    tokenHash: row.token_hash as string,
    createdAt: row.created_at as string,
  };
}

export function bridgeHealthValues(record: BridgeHealthRecord): unknown[] {
  return [
    record.bridgeUrl,
    record.state,
    record.consecutiveFailures,
    record.consecutiveSuccesses,
    record.lastCheckAt,
    record.lastOkAt,
    record.lastError,
    record.reportedStatus,
    record.changedAt,
    record.lastNoticeAt,
    record.lastNotice,
  ];
}

export function bridgeHealthFromRow(row: Row): BridgeHealthRecord {
  return {
    bridgeUrl: row.bridge_url as string,
    state: row.state as BridgeHealthRecord['state'],
    consecutiveFailures: Number(row.consecutive_failures),
    consecutiveSuccesses: Number(row.consecutive_successes),
    lastCheckAt: text(row.last_check_at),
    lastOkAt: text(row.last_ok_at),
    lastError: text(row.last_error),
    reportedStatus: text(row.reported_status),
    changedAt: text(row.changed_at),
    lastNoticeAt: text(row.last_notice_at),
    lastNotice: (row.last_notice as BridgeHealthRecord['lastNotice']) ?? null,
  };
}

export function mailCountsFromRows(rows: Row[]): Record<MailState, number> {
  const counts: Record<MailState, number> = { queued: 0, sent: 0, failed: 0 };
  for (const row of rows) counts[row.state as MailState] = Number(row.n);
  return counts;
}
