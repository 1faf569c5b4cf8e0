/** One schema version: the SQL of both dialects side by side, so that their differences stay visible. */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/** Column types of the migrations written once for both dialects (6 on). */
export const columnTypes = (dialect: 'sqlite' | 'postgres') =>
  dialect === 'sqlite'
    ? { text: 'TEXT', int: 'INTEGER', seq: 'INTEGER PRIMARY KEY AUTOINCREMENT' }
    : { text: 'text COLLATE "C"', int: 'integer', seq: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY' };
