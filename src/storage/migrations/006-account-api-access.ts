import { columnTypes, type Migration } from './migration.ts';

// The account API's access; `subject` makes a range (or the network-list rule) appear once.
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

export const migration: Migration = {
  version: 6,
  name: 'account API access',
  sqlite: accessV6('sqlite'),
  postgres: accessV6('postgres'),
};
