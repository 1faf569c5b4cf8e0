import type { Migration } from './migration.ts';

// Tokens are stored only as SHA-256 digests (256 random bits), proofs as slow scrypt hashes;
// `account_secrets` holds server-side keys such as the decoy sign-in parameters' key.
const sqliteV3 = `
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX invitations_member ON invitations (member_id, created_at);

CREATE TABLE member_credentials (
  member_id TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  proof_salt TEXT NOT NULL,
  proof_iterations INTEGER NOT NULL,
  proof_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE member_sessions (
  token_hash TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX member_sessions_member ON member_sessions (member_id);
CREATE INDEX member_sessions_expiry ON member_sessions (expires_at);

CREATE TABLE account_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

const postgresV3 = `
CREATE TABLE invitations (
  id text COLLATE "C" PRIMARY KEY,
  member_id text COLLATE "C" NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  token_hash text COLLATE "C" NOT NULL UNIQUE,
  created_at text NOT NULL,
  expires_at text NOT NULL,
  used_at text,
  revoked_at text
);
CREATE INDEX invitations_member ON invitations (member_id, created_at);

CREATE TABLE member_credentials (
  member_id text COLLATE "C" PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  proof_salt text NOT NULL,
  proof_iterations integer NOT NULL,
  proof_hash text NOT NULL,
  created_at text NOT NULL
);

CREATE TABLE member_sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  member_id text COLLATE "C" NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  created_at text NOT NULL,
  expires_at text NOT NULL
);
CREATE INDEX member_sessions_member ON member_sessions (member_id);
CREATE INDEX member_sessions_expiry ON member_sessions (expires_at);

CREATE TABLE account_secrets (
  name text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
`;

export const migration: Migration = {
  version: 3,
  name: 'invitations, member sign-in',
  sqlite: sqliteV3,
  postgres: postgresV3,
};
