import type { Migration } from './migration.ts';

/**
 * Every member index is one more B-tree leaf written per create, and each lands on its own
 * page of the write-ahead log: a member's insert wrote 15 pages. The people list filtered by
 * state only or by "managed" only now reads ranges of `members_state_managed_email`
 * (migration 13), one per value of the other column, so their own indexes go. SQLite's
 * `members_display_name_email` begins with `lower(display_name)` and serves displayName
 * lookups; PostgreSQL's is in "C" order, which `lower(display_name) = lower($1)` cannot use,
 * so there `members_display_name_ci` stays.
 */
export const migration: Migration = {
  version: 15,
  name: 'fewer member indexes',
  sqlite: `DROP INDEX members_state_email;
DROP INDEX members_managed_email;
DROP INDEX members_display_name_ci;
`,
  postgres: `DROP INDEX members_state_email;
DROP INDEX members_managed_email;
`,
};
