import { columnTypes, type Migration } from './migration.ts';

/**
 * Version 17: what a group may do with a vault it opens (P18), ordered view < edit < manage.
 * Grants made before held everything a grant gave, so they become `manage`: no one loses
 * what they had. New grants always name their level.
 */
const permissionsV17 = (dialect: 'sqlite' | 'postgres') => {
  const { text } = columnTypes(dialect);
  return `
ALTER TABLE vault_grants ADD COLUMN permission ${text} NOT NULL DEFAULT 'manage'
  CHECK (permission IN ('view', 'edit', 'manage'));
`;
};

export const migration: Migration = {
  version: 17,
  name: 'vault grant permissions',
  sqlite: permissionsV17('sqlite'),
  postgres: permissionsV17('postgres'),
};
