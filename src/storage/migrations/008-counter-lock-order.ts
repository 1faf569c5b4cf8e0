import type { Migration } from './migration.ts';

// PostgreSQL counter triggers lock their rows in name order: two concurrent inserts deadlocked
// when each locked one row in physical order. SQLite has a single writer.
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

export const migration: Migration = {
  version: 8,
  name: 'counter rows locked in order',
  sqlite: sqliteV8,
  postgres: postgresV8,
};
