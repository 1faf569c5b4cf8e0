import { columnTypes, type Migration } from './migration.ts';

// Monitoring tokens keyed by their SHA-256; one health row per bridge; recipients in added order.
const monitoringV7 = (dialect: 'sqlite' | 'postgres') => {
  const { text, int, seq } = columnTypes(dialect);
  return `
CREATE TABLE monitoring_tokens (
  token_hash ${text} PRIMARY KEY,
  id ${text} NOT NULL UNIQUE,
  label ${text} NOT NULL,
  created_at ${text} NOT NULL
);

CREATE TABLE notification_recipients (
  seq ${seq},
  email ${text} NOT NULL UNIQUE
);

CREATE TABLE bridge_health (
  bridge_url ${text} PRIMARY KEY,
  state ${text} NOT NULL CHECK (state IN ('unknown', 'online', 'offline')),
  consecutive_failures ${int} NOT NULL,
  consecutive_successes ${int} NOT NULL,
  last_check_at ${text},
  last_ok_at ${text},
  last_error ${text},
  reported_status ${text},
  changed_at ${text},
  last_notice_at ${text},
  last_notice ${text}
);
`;
};

export const migration: Migration = {
  version: 7,
  name: 'monitoring',
  sqlite: monitoringV7('sqlite'),
  postgres: monitoringV7('postgres'),
};
