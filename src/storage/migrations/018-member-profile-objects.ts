import type { Migration } from './migration.ts';

/**
 * Version 18: a member's profile is a JSON object, as the database checks it. Pages of SCIM
 * users copy the stored text into their answers without parsing it (bridge/scim/user-json.ts),
 * so text that is not strict JSON must never be stored. SQLite's own JSON functions accept
 * JSON5 (trailing commas, comments), so its triggers ask `json_valid`, which is strict, and
 * want the text to open with `{` (one parse per write; the account's encoder writes no
 * leading space). A PostgreSQL `jsonb` value is always valid JSON; only its type is checked.
 * Rows written before came from the account's own encoder and are not checked again.
 */
const sqliteCheck = (event: string) => `
CREATE TRIGGER members_profile_object_${event.split(' ')[0]!.toLowerCase()} BEFORE ${event} ON members
  WHEN NOT json_valid(new.profile) OR substr(new.profile, 1, 1) <> '{'
BEGIN
  SELECT RAISE(ABORT, 'members.profile must be a JSON object');
END;
`;

export const migration: Migration = {
  version: 18,
  name: 'member profiles are JSON objects',
  sqlite: `${sqliteCheck('INSERT')}${sqliteCheck('UPDATE OF profile')}`,
  postgres: `
ALTER TABLE members ADD CONSTRAINT members_profile_object CHECK (jsonb_typeof(profile) = 'object') NOT VALID;
`,
};
