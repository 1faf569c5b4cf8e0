import type { Migration } from './migration.ts';

// The people list's indexes (people-sql.ts): each name index also holds the list key, state and
// managed, so searches read indexes alone; "C" order matches SQLite. Plus activity per target.
const peopleV9 = (dialect: 'sqlite' | 'postgres') => {
  const key = (column: string) =>
    dialect === 'sqlite' ? `lower(${column})` : `(lower(${column}) COLLATE "C")`;
  // SQLite's unique index on lower(email) already is the list order; PostgreSQL's is not in "C".
  const emailOrder = dialect === 'sqlite' ? '' : `CREATE INDEX members_email_c ON members (${key('email')});`;
  return `
${emailOrder}
CREATE INDEX members_state_email ON members (state, ${key('email')});
CREATE INDEX members_managed_email ON members (managed, ${key('email')});
CREATE INDEX members_display_name_email ON members (${key('display_name')}, ${key('email')}, state, managed);
CREATE INDEX members_given_name_email ON members (${key('given_name')}, ${key('email')}, state, managed);
CREATE INDEX members_family_name_email ON members (${key('family_name')}, ${key('email')}, state, managed);
CREATE INDEX activity_target ON activity (target_id, seq);
`;
};

export const migration: Migration = {
  version: 9,
  name: 'people list and member activity',
  sqlite: peopleV9('sqlite'),
  postgres: peopleV9('postgres'),
};
