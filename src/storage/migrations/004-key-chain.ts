import type { Migration } from './migration.ts';

// The key chain (DESIGN.md). A share references its membership, so the cascade that removes a
// membership removes the share: no former member keeps a group key. `sign_ups` counts pendings.
const sqliteV4 = `
CREATE TABLE group_keys (
  group_id TEXT PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
  public_key TEXT NOT NULL,
  sealed_for_provisioning TEXT,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE group_key_shares (
  group_id TEXT NOT NULL REFERENCES group_keys (group_id) ON DELETE CASCADE,
  member_id TEXT NOT NULL,
  sealed_private_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (group_id, member_id),
  FOREIGN KEY (group_id, member_id) REFERENCES group_members (group_id, member_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_key_shares_member ON group_key_shares (member_id);

CREATE TABLE vaults (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX vaults_name_ci ON vaults (lower(name));

CREATE TABLE vault_grants (
  vault_id TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
  group_id TEXT NOT NULL REFERENCES group_keys (group_id) ON DELETE CASCADE,
  sealed_vault_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (vault_id, group_id)
) WITHOUT ROWID;
CREATE INDEX vault_grants_group ON vault_grants (group_id);

CREATE INDEX members_pending ON members (id) WHERE state = 'pending';

INSERT INTO counters (name, value) VALUES ('sign_ups', 0);
CREATE TRIGGER members_sign_up_insert AFTER INSERT ON members WHEN new.state = 'pending' BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'sign_ups';
END;
CREATE TRIGGER members_sign_up_update AFTER UPDATE OF state ON members
  WHEN new.state = 'pending' AND old.state IS NOT 'pending'
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'sign_ups';
END;
`;

const postgresV4 = `
CREATE TABLE group_keys (
  group_id text COLLATE "C" PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
  public_key text NOT NULL,
  sealed_for_provisioning text,
  created_at text NOT NULL
);

CREATE TABLE group_key_shares (
  group_id text COLLATE "C" NOT NULL REFERENCES group_keys (group_id) ON DELETE CASCADE,
  member_id text COLLATE "C" NOT NULL,
  sealed_private_key text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (group_id, member_id),
  FOREIGN KEY (group_id, member_id) REFERENCES group_members (group_id, member_id) ON DELETE CASCADE
);
CREATE INDEX group_key_shares_member ON group_key_shares (member_id);

CREATE TABLE vaults (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  name text NOT NULL,
  created_at text NOT NULL
);
CREATE UNIQUE INDEX vaults_name_ci ON vaults (lower(name));

CREATE TABLE vault_grants (
  vault_id text COLLATE "C" NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
  group_id text COLLATE "C" NOT NULL REFERENCES group_keys (group_id) ON DELETE CASCADE,
  sealed_vault_key text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (vault_id, group_id)
);
CREATE INDEX vault_grants_group ON vault_grants (group_id);

CREATE INDEX members_pending ON members (id) WHERE state = 'pending';

INSERT INTO counters (name, value) VALUES ('sign_ups', 0);
CREATE FUNCTION members_sign_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state = 'pending' AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM 'pending') THEN
    UPDATE counters SET value = value + 1 WHERE name = 'sign_ups';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER members_sign_up AFTER INSERT OR UPDATE OF state ON members
  FOR EACH ROW EXECUTE FUNCTION members_sign_up();
`;

export const migration: Migration = { version: 4, name: 'key chain', sqlite: sqliteV4, postgres: postgresV4 };
