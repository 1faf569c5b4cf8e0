import { columnTypes, type Migration } from './migration.ts';

/**
 * Version 16: moving an integration (P20). Re-creating the integration releases the managed
 * groups of the old one: they stop being managed and remember the integration that managed
 * them, until an administrator transfers them to the new one (or hands one over by itself).
 * Groups managed today belong to the current integration, so they start with no mark.
 */
const previousV16 = (dialect: 'sqlite' | 'postgres') => {
  const { text } = columnTypes(dialect);
  return `
ALTER TABLE groups ADD COLUMN previous_integration_id ${text};
`;
};

export const migration: Migration = {
  version: 16,
  name: 'groups of a previous integration',
  sqlite: previousV16('sqlite'),
  postgres: previousV16('postgres'),
};
