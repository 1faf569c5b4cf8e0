import type { Migration } from './migration.ts';

/** Members' key pairs from sign-up; a row goes with its member. */
const sqliteV2 = `
CREATE TABLE member_keys (
  member_id TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  public_key TEXT NOT NULL,
  encrypted_private_key TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
`;

const postgresV2 = `
CREATE TABLE member_keys (
  member_id text COLLATE "C" PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  public_key text NOT NULL,
  encrypted_private_key text NOT NULL,
  created_at text NOT NULL
);
`;

export const migration: Migration = {
  version: 2,
  name: 'member keys',
  sqlite: sqliteV2,
  postgres: postgresV2,
};
