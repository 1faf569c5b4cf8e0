import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { KEY_LOOKUPS, lookupQuery, PEOPLE_PLANS } from '../../../test/support/query-plans.ts';
import { sqliteDialect } from '../dialect.ts';
import { peopleSql } from '../people-sql.ts';
import { dialectSql } from '../statements.ts';
import { MANAGED_GROUPS_SQL, MEMBERSHIPS_SQL, openSqliteStore } from './sqlite-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'scimbridge-plans-'));
const path = join(folder, 'plans.db');
let db: Database.Database;

before(async () => {
  await (await openSqliteStore({ path })).close();
  db = new Database(path, { readonly: true });
});
after(() => {
  db.close();
  rmSync(folder, { recursive: true, force: true });
});

for (const lookup of KEY_LOOKUPS) {
  test(`SQLite: ${lookup.label} is served by ${lookup.index}`, () => {
    const { sql, params } = lookupQuery(sqliteDialect, lookup);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail);
    const outer = plan.find((detail) => /^(SEARCH|SCAN) [mg]\b/.test(detail)) ?? '';
    assert.ok(
      plan.some((detail) => detail.startsWith('SEARCH') && detail.includes(lookup.index)),
      plan.join('\n'),
    );
    // The outer table is reached by a search (index or rowid), never a full scan.
    assert.doesNotMatch(outer, /^SCAN/, plan.join('\n'));
  });
}

for (const { label, query, sqlite: indexes } of PEOPLE_PLANS) {
  test(`SQLite: people list, ${label}, is served by ${indexes.join(', ')}`, () => {
    const { sql, params } = peopleSql('sqlite', query);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail);
    for (const index of indexes)
      assert.ok(
        plan.some((detail) => detail.includes(index)),
        plan.join('\n'),
      );
    // Never a walk of the whole table, nor of an index that none of the conditions narrows.
    assert.ok(
      !plan.some((detail) => /^SCAN members\b/.test(detail) && query.search !== undefined),
      plan.join('\n'),
    );
    assert.ok(!plan.some((detail) => /^SCAN members$/.test(detail)), plan.join('\n'));
  });
}

// Suspending, deleting or re-inviting a member drops their queued mail: a seek, whatever the outbox holds.
for (const name of ['dropQueuedMail', 'deleteQueuedMailOfMember'] as const) {
  test(`SQLite: ${name} finds a member's queued mail by outbox_queued_member`, () => {
    const sql = dialectSql('sqlite')[name];
    const params = name === 'dropQueuedMail' ? ['why', 'invitation', 'm1'] : ['m1'];
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail);
    assert.ok(
      plan.some((detail) => detail.startsWith('SEARCH outbox USING INDEX outbox_queued_member')),
      plan.join('\n'),
    );
  });
}

// A page's groups: memberships found through the member index, never a walk of groups.
for (const [set, statements] of [
  ['groups', MEMBERSHIPS_SQL],
  ['managed groups', MANAGED_GROUPS_SQL],
] as const) {
  for (const [name, params] of [
    ['ofMember', ['m1']],
    ['inRange', ['m1', 'm9', 800]],
    ['ofMembers', ['["m1","m2"]']],
  ] as const) {
    test(`SQLite: ${set} ${name} reads group_members by member`, () => {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${statements[name]}`)
        .all(...params)
        .map((row) => (row as { detail: string }).detail);
      assert.ok(
        plan.some((detail) =>
          /^SEARCH (gm|group_members) USING COVERING INDEX group_members_member/.test(detail),
        ),
        plan.join('\n'),
      );
      assert.ok(!plan.some((detail) => /^SCAN (g|groups)\b/.test(detail)), plan.join('\n'));
    });
  }
  test(`SQLite: ${set} of a page are read by id`, () => {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${statements.groupsByIds}`)
      .all('["g1","g2"]')
      .map((row) => (row as { detail: string }).detail);
    assert.ok(
      plan.some((detail) => /^SEARCH groups USING INDEX sqlite_autoindex_groups_1 \(id=\?\)/.test(detail)),
      plan.join('\n'),
    );
  });
}
