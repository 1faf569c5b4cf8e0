/**
 * The key chain's queries reach rows through indexes, so their cost grows with what they
 * are asked about (a batch of pending members, the members one request adds), not with the
 * size of the account or of a group.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { keyChainSql } from '../key-chain-sql.ts';
import { openSqliteStore } from './sqlite-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'scimbridge-kc-plans-'));
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

const SQL = keyChainSql('sqlite');

const cases: Array<{ label: string; sql: string; params: unknown[]; uses: RegExp[] }> = [
  {
    label: 'missing shares of the members one request adds',
    sql: SQL.missingSharesOfGroup,
    params: ['g', '["m1","m2"]'],
    uses: [/SEARCH gm USING .*\((group_id=\? AND member_id=\?|member_id=\? AND group_id=\?)\)/],
  },
  {
    label: 'a page of pending members',
    sql: SQL.listPendingMembersAfter,
    params: ['m', 200],
    uses: [/members_pending/],
  },
  {
    label: 'the groups of a batch of members',
    sql: SQL.listKeyedGroupsOfMembers,
    params: ['["m1","m2"]'],
    uses: [/SEARCH gm USING (COVERING )?INDEX group_members_member/],
  },
  {
    label: "a member's shares",
    sql: SQL.listGroupKeySharesOfMember,
    params: ['m'],
    uses: [/SEARCH s USING (COVERING )?INDEX group_key_shares_member/],
  },
  {
    label: 'the grants of every vault a group opens (deleting the group, P18)',
    sql: SQL.lockGrantsOfVaultsOpenedBy,
    params: ['g'],
    uses: [
      /SEARCH vault_grants USING (COVERING )?INDEX vault_grants_group/,
      /SEARCH vault_grants USING PRIMARY KEY/,
    ],
  },
];

for (const { label, sql, params, uses } of cases) {
  test(`SQLite: ${label} is an index search`, () => {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail);
    for (const pattern of uses)
      assert.ok(
        plan.some((detail) => pattern.test(detail)),
        plan.join('\n'),
      );
    assert.ok(!plan.some((detail) => /^SCAN (gm|m|members|group_members)\b/.test(detail)), plan.join('\n'));
  });
}
