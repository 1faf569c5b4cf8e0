import { columnTypes, type Migration } from './migration.ts';

/**
 * Version 14: the health monitor's on/off switch (P7), set on the Provisioning page or with
 * `scimbridge monitoring on|off`. One row at most: no row means on, so accounts that
 * monitored before this version keep monitoring.
 */
const switchV14 = (dialect: 'sqlite' | 'postgres') => {
  const { text, int } = columnTypes(dialect);
  return `
CREATE TABLE monitoring_switch (
  only_row ${int} PRIMARY KEY CHECK (only_row = 1),
  enabled ${int} NOT NULL CHECK (enabled IN (0, 1)),
  changed_at ${text} NOT NULL
);
`;
};

export const migration: Migration = {
  version: 14,
  name: 'monitoring switch',
  sqlite: switchV14('sqlite'),
  postgres: switchV14('postgres'),
};
