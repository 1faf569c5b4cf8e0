import { columnTypes, type Migration } from './migration.ts';

/**
 * Version 12: the SCIM request log the bridge delivers (issue 11). `seq` is the entry's id,
 * the page order and the keyset. No other index: each would cost every logged SCIM request
 * a write (a unique text id doubled the cost of storing a record), and the table is kept
 * small by pruning (count and age), so filters scan it.
 */
const requestLogV12 = (dialect: 'sqlite' | 'postgres') => {
  const { text, int, seq } = columnTypes(dialect);
  const real = dialect === 'sqlite' ? 'REAL' : 'double precision';
  return `
CREATE TABLE scim_requests (
  seq ${seq},
  at ${text} NOT NULL,
  idp ${text} NOT NULL,
  operation ${text} NOT NULL,
  method ${text} NOT NULL,
  path ${text} NOT NULL,
  resource_type ${text} NOT NULL,
  resource_id ${text},
  status ${int} NOT NULL,
  scim_type ${text},
  detail ${text},
  ms ${real} NOT NULL,
  body ${text},
  body_truncated ${int} NOT NULL
);
`;
};

export const migration: Migration = {
  version: 12,
  name: 'scim request log',
  sqlite: requestLogV12('sqlite'),
  postgres: requestLogV12('postgres'),
};
