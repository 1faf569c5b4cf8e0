import type { Migration } from './migration.ts';

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

export const migration: Migration = {
  version: 1,
  name: 'initial schema',
  sqlite: sqliteV1,
  postgres: postgresV1,
};
