// Where SQLite and PostgreSQL SQL differ, so the filter compiler and list queries are written once.

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** The placeholder for the parameter at 1-based `position` holding `value`. */
  placeholder(position: number, value: unknown): string;
  /** Converts a JS value to what the driver binds (SQLite has no boolean type). */
  bind(value: unknown): unknown;
  /** Text (or NULL) at `path` inside the JSON object `object`. Keys are trusted constants. */
  jsonText(object: string, path: readonly string[]): string;
  /** TRUE/FALSE when the JSON value at `path` is a boolean, else NULL. */
  jsonBoolean(object: string, path: readonly string[]): string;
  /** A FROM item yielding the object elements of the JSON array `object.key` as `alias`. */
  jsonElements(object: string, key: string, alias: string): { from: string; where: string; element: string };
  /** Case-sensitive "haystack contains needle". */
  containsExact(haystack: string, needle: string): string;
  /** Case-sensitive prefix test; `needle` is a placeholder. */
  startsWithExact(haystack: string, needle: () => string): string;
  /** Case-sensitive suffix test (needle is never empty). */
  endsWithExact(haystack: string, needle: () => string): string;
}

/** `?` placeholders as PostgreSQL's `$1, $2 …` (the shared SQL has no other `?`). */
export function numbered(sql: string): string {
  let position = 0;
  return sql.replace(/\?/g, () => `$${++position}`);
}

/** Collects parameters in the order their placeholders are written. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}
  add(value: unknown): string {
    this.values.push(this.dialect.bind(value));
    return this.dialect.placeholder(this.values.length, value);
  }
}

const quoteKey = (key: string) => `"${key.replaceAll('"', '')}"`;
const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  placeholder: () => '?',
  bind: (value) => (value === true ? 1 : value === false ? 0 : value),
  jsonText: (object, path) => `json_extract(${object}, ${sqlString(`$.${path.map(quoteKey).join('.')}`)})`,
  jsonBoolean: (object, path) =>
    `(CASE json_type(${object}, ${sqlString(`$.${path.map(quoteKey).join('.')}`)}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)`,
  jsonElements: (object, key, alias) => ({
    from: `json_each(${object}, ${sqlString(`$.${quoteKey(key)}`)}) AS ${alias}`,
    where: `${alias}.type = 'object'`,
    element: `${alias}.value`,
  }),
  containsExact: (haystack, needle) => `instr(${haystack}, ${needle}) > 0`,
  startsWithExact: (haystack, needle) => `substr(${haystack}, 1, length(${needle()})) = ${needle()}`,
  endsWithExact: (haystack, needle) => `substr(${haystack}, -length(${needle()})) = ${needle()}`,
};

const pgPath = (object: string, path: readonly string[], lastAsText: boolean) =>
  path.reduce(
    (sql, key, index) => `${sql} ${lastAsText && index === path.length - 1 ? '->>' : '->'} ${sqlString(key)}`,
    object,
  );

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  // Typed so that overloaded functions (lower, length) resolve without guessing.
  placeholder: (position, value) => (typeof value === 'string' ? `$${position}::text` : `$${position}`),
  bind: (value) => value,
  jsonText: (object, path) => `(${pgPath(object, path, true)})`,
  jsonBoolean: (object, path) =>
    `(CASE jsonb_typeof(${pgPath(object, path, false)}) WHEN 'boolean' THEN (${pgPath(object, path, true)})::boolean END)`,
  jsonElements: (object, key, alias) => {
    const array = `${object} -> ${sqlString(key)}`;
    return {
      from: `jsonb_array_elements(CASE WHEN jsonb_typeof(${array}) = 'array' THEN ${array} ELSE '[]'::jsonb END) AS ${alias}(v)`,
      where: `jsonb_typeof(${alias}.v) = 'object'`,
      element: `${alias}.v`,
    };
  },
  containsExact: (haystack, needle) => `strpos(${haystack}, ${needle}) > 0`,
  startsWithExact: (haystack, needle) => `starts_with(${haystack}, ${needle()})`,
  endsWithExact: (haystack, needle) => {
    const placeholder = needle();
    return `right(${haystack}, length(${placeholder})) = ${placeholder}`;
  },
};
