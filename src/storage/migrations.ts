/**
 * Versioned, forward-only schema migrations. Each version carries the SQL of both dialects
 * side by side so that the differences stay small and visible. A migration runs once, inside
 * a transaction, and is recorded in `schema_migrations`; never edit one that has shipped —
 * add a new version instead.
 *
 * Shared conventions:
 * - Every entity table has `seq` (creation order, the default sort and keyset key) and a
 *   text `id` (the SCIM id). Timestamps are ISO-8601 UTC text, so they compare as instants.
 * - Case-insensitive uniqueness uses `lower(x)` expression indexes in both dialects, and the
 *   queries use the very same expression so the index serves them.
 * - `member_emails` holds every address of a member (account e-mail plus the profile's
 *   `emails[].value`), lower-cased, maintained by triggers: it makes the IdPs' e-mail lookups
 *   (`emails[type eq "work"].value eq "x"`) index seeks instead of JSON scans.
 * - `counters` keeps unfiltered totals O(1); triggers update it in the writing transaction,
 *   so it stays right across processes.
 */

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

const sqliteV1 = `
CREATE TABLE account (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  allowed_domains TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE members (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  user_name TEXT NOT NULL,
  email TEXT NOT NULL,
  external_id TEXT,
  display_name TEXT,
  given_name TEXT,
  family_name TEXT,
  state TEXT NOT NULL,
  role TEXT NOT NULL,
  managed INTEGER NOT NULL,
  scim_deleted INTEGER NOT NULL,
  profile TEXT NOT NULL,
  pending_email TEXT,
  signed_up_at TEXT,
  confirmed_at TEXT,
  suspended_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE UNIQUE INDEX members_user_name_ci ON members (lower(user_name));
CREATE UNIQUE INDEX members_email_ci ON members (lower(email));
CREATE INDEX members_external_id ON members (external_id);
CREATE INDEX members_display_name_ci ON members (lower(display_name));

CREATE TABLE member_emails (
  member_seq INTEGER NOT NULL REFERENCES members (seq) ON DELETE CASCADE,
  value TEXT NOT NULL,
  PRIMARY KEY (value, member_seq)
) WITHOUT ROWID;
CREATE INDEX member_emails_member ON member_emails (member_seq);

CREATE TRIGGER member_emails_insert AFTER INSERT ON members BEGIN
  INSERT OR IGNORE INTO member_emails (member_seq, value)
    SELECT new.seq, lower(new.email)
    UNION
    SELECT new.seq, lower(json_extract(e.value, '$.value'))
      FROM json_each(new.profile, '$.emails') e
      WHERE e.type = 'object' AND json_type(e.value, '$.value') = 'text';
END;
CREATE TRIGGER member_emails_update AFTER UPDATE OF email, profile ON members
  WHEN old.email IS NOT new.email OR old.profile IS NOT new.profile
BEGIN
  DELETE FROM member_emails WHERE member_seq = old.seq;
  INSERT OR IGNORE INTO member_emails (member_seq, value)
    SELECT new.seq, lower(new.email)
    UNION
    SELECT new.seq, lower(json_extract(e.value, '$.value'))
      FROM json_each(new.profile, '$.emails') e
      WHERE e.type = 'object' AND json_type(e.value, '$.value') = 'text';
END;

CREATE TABLE groups (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  external_id TEXT,
  kind TEXT NOT NULL,
  managed INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE UNIQUE INDEX groups_display_name_ci ON groups (lower(display_name));
CREATE INDEX groups_external_id ON groups (external_id);
CREATE INDEX groups_kind ON groups (kind);

CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE integration (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  id TEXT NOT NULL,
  state TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signing_public_key TEXT NOT NULL,
  provisioning_public_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE activity (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  detail TEXT NOT NULL
);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  recipient TEXT NOT NULL,
  template TEXT NOT NULL,
  data TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX outbox_state ON outbox (state, seq);

CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('members', 0), ('members_live', 0), ('groups', 0), ('groups_managed', 0);

CREATE TRIGGER members_count_insert AFTER INSERT ON members BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'members' OR (name = 'members_live' AND NOT new.scim_deleted);
END;
CREATE TRIGGER members_count_delete AFTER DELETE ON members BEGIN
  UPDATE counters SET value = value - 1 WHERE name = 'members' OR (name = 'members_live' AND NOT old.scim_deleted);
END;
CREATE TRIGGER members_count_update AFTER UPDATE OF scim_deleted ON members
  WHEN old.scim_deleted IS NOT new.scim_deleted
BEGIN
  UPDATE counters SET value = value + (CASE WHEN new.scim_deleted THEN -1 ELSE 1 END) WHERE name = 'members_live';
END;
CREATE TRIGGER groups_count_insert AFTER INSERT ON groups BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'groups' OR (name = 'groups_managed' AND new.managed);
END;
CREATE TRIGGER groups_count_delete AFTER DELETE ON groups BEGIN
  UPDATE counters SET value = value - 1 WHERE name = 'groups' OR (name = 'groups_managed' AND old.managed);
END;
CREATE TRIGGER groups_count_update AFTER UPDATE OF managed ON groups
  WHEN old.managed IS NOT new.managed
BEGIN
  UPDATE counters SET value = value + (CASE WHEN new.managed THEN 1 ELSE -1 END) WHERE name = 'groups_managed';
END;
`;

/** Ids use the "C" collation: byte order, cheap comparisons, the same keyset order everywhere. */
const postgresV1 = `
CREATE TABLE account (
  singleton integer PRIMARY KEY CHECK (singleton = 1),
  id text NOT NULL,
  name text NOT NULL,
  allowed_domains jsonb NOT NULL,
  created_at text NOT NULL
);

CREATE TABLE members (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  user_name text NOT NULL,
  email text NOT NULL,
  external_id text COLLATE "C",
  display_name text,
  given_name text,
  family_name text,
  state text NOT NULL,
  role text NOT NULL,
  managed boolean NOT NULL,
  scim_deleted boolean NOT NULL,
  profile jsonb NOT NULL,
  pending_email text,
  signed_up_at text,
  confirmed_at text,
  suspended_at text,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  version integer NOT NULL
);
CREATE UNIQUE INDEX members_user_name_ci ON members (lower(user_name));
CREATE UNIQUE INDEX members_email_ci ON members (lower(email));
CREATE INDEX members_external_id ON members (external_id);
CREATE INDEX members_display_name_ci ON members (lower(display_name));

CREATE TABLE member_emails (
  member_seq bigint NOT NULL REFERENCES members (seq) ON DELETE CASCADE,
  value text NOT NULL,
  PRIMARY KEY (value, member_seq)
);
CREATE INDEX member_emails_member ON member_emails (member_seq);

CREATE FUNCTION member_emails_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.email IS NOT DISTINCT FROM NEW.email AND OLD.profile IS NOT DISTINCT FROM NEW.profile THEN
      RETURN NULL;
    END IF;
    DELETE FROM member_emails WHERE member_seq = OLD.seq;
  END IF;
  INSERT INTO member_emails (member_seq, value)
    SELECT NEW.seq, lower(NEW.email)
    UNION
    SELECT NEW.seq, lower(e ->> 'value')
      FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(NEW.profile -> 'emails') = 'array' THEN NEW.profile -> 'emails' ELSE '[]'::jsonb END
      ) AS e
      WHERE jsonb_typeof(e -> 'value') = 'string'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER member_emails_sync AFTER INSERT OR UPDATE OF email, profile ON members
  FOR EACH ROW EXECUTE FUNCTION member_emails_sync();

CREATE TABLE groups (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  display_name text NOT NULL,
  external_id text COLLATE "C",
  kind text NOT NULL,
  managed boolean NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  version integer NOT NULL
);
CREATE UNIQUE INDEX groups_display_name_ci ON groups (lower(display_name));
CREATE INDEX groups_external_id ON groups (external_id);
CREATE INDEX groups_kind ON groups (kind);

CREATE TABLE group_members (
  group_id text COLLATE "C" NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  member_id text COLLATE "C" NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE integration (
  singleton integer PRIMARY KEY CHECK (singleton = 1),
  id text NOT NULL,
  state text NOT NULL,
  key_id text NOT NULL,
  signing_public_key text NOT NULL,
  provisioning_public_key text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);

CREATE TABLE activity (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  detail jsonb NOT NULL
);

CREATE TABLE outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  recipient text NOT NULL,
  template text NOT NULL,
  data jsonb NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at text NOT NULL,
  last_error text,
  created_at text NOT NULL,
  sent_at text
);
CREATE INDEX outbox_state ON outbox (state, seq);

CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO counters (name, value) VALUES ('members', 0), ('members_live', 0), ('groups', 0), ('groups_managed', 0);

CREATE FUNCTION members_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE counters SET value = value + 1 WHERE name = 'members' OR (name = 'members_live' AND NOT NEW.scim_deleted);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE counters SET value = value - 1 WHERE name = 'members' OR (name = 'members_live' AND NOT OLD.scim_deleted);
  ELSIF OLD.scim_deleted IS DISTINCT FROM NEW.scim_deleted THEN
    UPDATE counters SET value = value + (CASE WHEN NEW.scim_deleted THEN -1 ELSE 1 END) WHERE name = 'members_live';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER members_count AFTER INSERT OR DELETE OR UPDATE OF scim_deleted ON members
  FOR EACH ROW EXECUTE FUNCTION members_count();

CREATE FUNCTION groups_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE counters SET value = value + 1 WHERE name = 'groups' OR (name = 'groups_managed' AND NEW.managed);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE counters SET value = value - 1 WHERE name = 'groups' OR (name = 'groups_managed' AND OLD.managed);
  ELSIF OLD.managed IS DISTINCT FROM NEW.managed THEN
    UPDATE counters SET value = value + (CASE WHEN NEW.managed THEN 1 ELSE -1 END) WHERE name = 'groups_managed';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER groups_count AFTER INSERT OR DELETE OR UPDATE OF managed ON groups
  FOR EACH ROW EXECUTE FUNCTION groups_count();
`;

/**
 * PostgreSQL: the counter triggers lock their counter rows in name order. One
 * `UPDATE … WHERE name = 'members' OR name = 'members_live'` locks the two rows in the order
 * it finds them, which follows their physical position, and every update moves a row; two
 * concurrent member inserts could then each hold one row and wait for the other (a deadlock,
 * which failed one of the two requests). SQLite has a single writer and needs nothing.
 */
const sqliteV8 = '-- nothing to change: SQLite has a single writer';

const postgresV8 = `
CREATE OR REPLACE FUNCTION members_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.scim_deleted IS NOT DISTINCT FROM NEW.scim_deleted THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM counters WHERE name IN ('members', 'members_live') ORDER BY name FOR UPDATE;
  IF TG_OP = 'INSERT' THEN
    UPDATE counters SET value = value + 1 WHERE name = 'members';
    IF NOT NEW.scim_deleted THEN
      UPDATE counters SET value = value + 1 WHERE name = 'members_live';
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE counters SET value = value - 1 WHERE name = 'members';
    IF NOT OLD.scim_deleted THEN
      UPDATE counters SET value = value - 1 WHERE name = 'members_live';
    END IF;
  ELSE
    UPDATE counters SET value = value + (CASE WHEN NEW.scim_deleted THEN -1 ELSE 1 END) WHERE name = 'members_live';
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION groups_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.managed IS NOT DISTINCT FROM NEW.managed THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM counters WHERE name IN ('groups', 'groups_managed') ORDER BY name FOR UPDATE;
  IF TG_OP = 'INSERT' THEN
    UPDATE counters SET value = value + 1 WHERE name = 'groups';
    IF NEW.managed THEN
      UPDATE counters SET value = value + 1 WHERE name = 'groups_managed';
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE counters SET value = value - 1 WHERE name = 'groups';
    IF OLD.managed THEN
      UPDATE counters SET value = value - 1 WHERE name = 'groups_managed';
    END IF;
  ELSE
    UPDATE counters SET value = value + (CASE WHEN NEW.managed THEN 1 ELSE -1 END) WHERE name = 'groups_managed';
  END IF;
  RETURN NULL;
END $$;
`;

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

/**
 * The key chain (DESIGN.md): group key pairs, their shares with members, vaults and grants.
 * A share references its membership, so removing a member from a group (or deleting the
 * group or the member) deletes the share in the same statement's cascade: no code path can
 * leave a former member holding a group key. `sign_ups` counts members becoming pending, so
 * that a bridge can notice a new sign-up by reading one row.
 */
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

/** Column types of the migrations written once for both dialects (6 on). */
const columnTypes = (dialect: 'sqlite' | 'postgres') =>
  dialect === 'sqlite'
    ? { text: 'TEXT', int: 'INTEGER', seq: 'INTEGER PRIMARY KEY AUTOINCREMENT' }
    : { text: 'text COLLATE "C"', int: 'integer', seq: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY' };

/**
 * Version 6: the account API's access tables. Challenges and sessions are keyed by random
 * values (a challenge id, the SHA-256 of a session token), so their primary keys are the
 * lookups. `subject` makes a range (or the network-list rule) appear at most once.
 */
const accessV6 = (dialect: 'sqlite' | 'postgres') => {
  const { text, seq } = columnTypes(dialect);
  return `
CREATE TABLE api_challenges (
  id ${text} PRIMARY KEY,
  key_id ${text} NOT NULL,
  nonce ${text} NOT NULL,
  created_at ${text} NOT NULL,
  expires_at ${text} NOT NULL
);
CREATE INDEX api_challenges_expiry ON api_challenges (expires_at);

CREATE TABLE api_sessions (
  token_hash ${text} PRIMARY KEY,
  integration_id ${text} NOT NULL,
  key_id ${text} NOT NULL,
  address ${text} NOT NULL,
  created_at ${text} NOT NULL,
  expires_at ${text} NOT NULL
);
CREATE INDEX api_sessions_expiry ON api_sessions (expires_at);

CREATE TABLE firewall_rules (
  seq ${seq},
  id ${text} NOT NULL UNIQUE,
  action ${text} NOT NULL CHECK (action IN ('allow', 'deny')),
  kind ${text} NOT NULL CHECK (kind IN ('range', 'listed_networks')),
  cidr ${text},
  note ${text},
  created_at ${text} NOT NULL,
  subject ${text} NOT NULL UNIQUE
);
`;
};

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

/**
 * Invitations, members' sign-in proofs and sessions. Invitation tokens and session tokens
 * are stored only as SHA-256 digests (the tokens are 256 random bits, so a plain digest is
 * enough); a sign-in proof only as a slow scrypt hash. `account_secrets` holds server-side
 * keys, e.g. the one that makes stable decoy sign-in parameters for unknown addresses.
 */
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

/**
 * Version 7: monitoring. Monitoring tokens are looked up by the SHA-256 of the token (its
 * primary key); the health monitor keeps one row per bridge address; the notification
 * recipients are a plain list in the order they were added.
 */
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

/**
 * Version 9: the administrators' people list and a member's activity (issue 11). The list is
 * ordered by lower-cased e-mail (unique, so it is a total order for keyset paging) and
 * searched by prefix of e-mail, display name, given name or family name. Each filter (state,
 * managed) has an index in list order, so a filtered page reads about as many entries as it
 * shows; each searched name has an index that also holds the list key, so a search collects
 * the keys of its matches from the indexes alone and reads only the rows it shows. PostgreSQL compares them in
 * the "C" collation: under a linguistic collation a prefix is not one contiguous range of the
 * index, and byte order is also SQLite's, so both databases page in the same order.
 */
const peopleV9 = (dialect: 'sqlite' | 'postgres') => {
  const key = (column: string) =>
    dialect === 'sqlite' ? `lower(${column})` : `(lower(${column}) COLLATE "C")`;
  // SQLite's unique index on lower(email) already is the list order; PostgreSQL's is not in "C".
  const emailOrder = dialect === 'sqlite' ? '' : `CREATE INDEX members_email_c ON members (${key('email')});`;
  return `
${emailOrder}
CREATE INDEX members_state_email ON members (state, ${key('email')});
CREATE INDEX members_managed_email ON members (managed, ${key('email')});
CREATE INDEX members_display_name_email ON members (${key('display_name')}, ${key('email')});
CREATE INDEX members_given_name_email ON members (${key('given_name')}, ${key('email')});
CREATE INDEX members_family_name_email ON members (${key('family_name')}, ${key('email')});
CREATE INDEX activity_target ON activity (target_id, seq);
`;
};

export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial schema', sqlite: sqliteV1, postgres: postgresV1 },
  { version: 2, name: 'member keys', sqlite: sqliteV2, postgres: postgresV2 },
  { version: 3, name: 'invitations, member sign-in', sqlite: sqliteV3, postgres: postgresV3 },
  { version: 4, name: 'key chain', sqlite: sqliteV4, postgres: postgresV4 },
  { version: 5, name: 'outbox claims and e-mail change tokens', sqlite: sqliteV5, postgres: postgresV5 },
  { version: 6, name: 'account API access', sqlite: accessV6('sqlite'), postgres: accessV6('postgres') },
  { version: 7, name: 'monitoring', sqlite: monitoringV7('sqlite'), postgres: monitoringV7('postgres') },
  { version: 8, name: 'counter rows locked in order', sqlite: sqliteV8, postgres: postgresV8 },
  {
    version: 9,
    name: 'people list and member activity',
    sqlite: peopleV9('sqlite'),
    postgres: peopleV9('postgres'),
  },
];
