import type { Migration } from './migration.ts';

/**
 * Version 5: durable e-mail and e-mail changes.
 * - Outbox claims: a sender sets `claim_id`/`claimed_until` on the messages it takes, in one
 *   UPDATE, so two senders over one database never take the same message, and a message
 *   whose sender died becomes due again when the claim runs out. `outbox_due` serves the
 *   claim's search for due messages.
 * - `email_change_tokens`: pending e-mail changes (P13), keyed by the SHA-256 of the link's
 *   secret; the secret itself is never stored.
 */
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
