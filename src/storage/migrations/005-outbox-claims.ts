import type { Migration } from './migration.ts';

// Outbox claims (one UPDATE, so two senders never take one message; a dead sender's claim runs
// out) and pending e-mail changes (P13), keyed by the link secret's SHA-256, never the secret.
const sqliteV5 = `
ALTER TABLE outbox ADD COLUMN claim_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, seq);

CREATE TABLE email_change_tokens (
  token_hash TEXT PRIMARY KEY,
  member_id TEXT NOT NULL,
  new_email TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
) WITHOUT ROWID;
CREATE INDEX email_change_tokens_member ON email_change_tokens (member_id);
`;

const postgresV5 = `
ALTER TABLE outbox ADD COLUMN claim_id text;
ALTER TABLE outbox ADD COLUMN claimed_until text;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, seq);

CREATE TABLE email_change_tokens (
  token_hash text COLLATE "C" PRIMARY KEY,
  member_id text NOT NULL,
  new_email text NOT NULL,
  created_at text NOT NULL,
  expires_at text NOT NULL,
  used_at text
);
CREATE INDEX email_change_tokens_member ON email_change_tokens (member_id);
`;

export const migration: Migration = {
  version: 5,
  name: 'outbox claims and e-mail change tokens',
  sqlite: sqliteV5,
  postgres: postgresV5,
};
