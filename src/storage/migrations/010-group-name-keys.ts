import type { Migration } from './migration.ts';

/**
 * Group names compare after NFKC and case folding (`account/text-rules.ts`): the store keeps
 * that key beside the name, unique, and finds groups by it. The key is computed in
 * JavaScript; rows from before take `lower(display_name)`, the same key for names without
 * look-alike characters, and get the full key with their next write.
 */
const groupNameKeyV10 = (text: string) => `
ALTER TABLE groups ADD COLUMN name_key ${text};
UPDATE groups SET name_key = lower(display_name);
CREATE UNIQUE INDEX groups_name_key ON groups (name_key);
`;

export const migration: Migration = {
  version: 10,
  name: 'group name keys',
  sqlite: groupNameKeyV10('TEXT'),
  postgres: groupNameKeyV10('text'),
};
