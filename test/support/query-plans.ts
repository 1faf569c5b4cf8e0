// The lookups IdPs send before every create (RFC 7644 §3.4.2.2); tests EXPLAIN them to require an index.
import type { PeopleQuery } from '../../src/account/store.ts';
import type { Filter } from '../../src/scim/filter/ast.ts';
import { groupAttributes, type ResourceAttributes, userAttributes } from '../../src/storage/attributes.ts';
import type { SqlDialect } from '../../src/storage/dialect.ts';
import { ListPlanner } from '../../src/storage/list-query.ts';
import { GROUP_COLUMNS, MEMBER } from '../../src/storage/rows.ts';

interface KeyLookup {
  label: string;
  resource: 'members' | 'groups';
  filter: Filter;
  /** The index (SQLite) or index-name fragment (PostgreSQL) expected in the plan. */
  index: string;
  /** When PostgreSQL's differs. */
  postgresIndex?: string;
}

const eq = (attr: string, value: string, sub?: string): Filter => ({ op: 'eq', path: { attr, sub }, value });

export const KEY_LOOKUPS: KeyLookup[] = [
  {
    label: 'userName eq',
    resource: 'members',
    filter: eq('userName', 'Alice'),
    index: 'members_user_name_ci',
  },
  {
    label: 'externalId eq',
    resource: 'members',
    filter: eq('externalId', 'e-1'),
    index: 'members_external_id',
  },
  {
    label: 'displayName eq',
    resource: 'members',
    filter: eq('displayName', 'A'),
    // SQLite's people-list index begins with lower(display_name); PostgreSQL's is in "C" order (migration 15).
    index: 'members_display_name_email',
    postgresIndex: 'members_display_name_ci',
  },
  { label: 'emails eq', resource: 'members', filter: eq('emails', 'a@x.io'), index: 'member_emails' },
  {
    label: 'emails[type eq "work"].value eq',
    resource: 'members',
    filter: {
      op: 'valuePath',
      path: { attr: 'emails' },
      filter: { op: 'and', left: eq('type', 'work'), right: eq('value', 'a@x.io') },
    },
    index: 'member_emails',
  },
  {
    label: 'group displayName eq',
    resource: 'groups',
    filter: eq('displayName', 'Sales'),
    index: 'groups_display_name_ci',
  },
  {
    label: 'group externalId eq',
    resource: 'groups',
    filter: eq('externalId', 'g-1'),
    index: 'groups_external_id',
  },
];

/** The page query a SCIM list with `filter` runs (first page, so no keyset hint). */
export function lookupQuery(dialect: SqlDialect, lookup: KeyLookup): { sql: string; params: unknown[] } {
  const members = lookup.resource === 'members';
  const resource: ResourceAttributes = members ? userAttributes : groupAttributes;
  const plan = new ListPlanner(dialect).plan({
    table: lookup.resource,
    resource,
    columns: members ? MEMBER.columns : GROUP_COLUMNS,
    conditions: members ? ['m.scim_deleted = FALSE'] : ['g.managed = TRUE'],
    counter: 'unused',
    filter: lookup.filter,
    startIndex: 1,
    count: 100,
  });
  return plan.rows!;
}

/** The administrators' people list (issue 11): each shape of query and the indexes that must serve it. */
interface PeoplePlan {
  label: string;
  query: PeopleQuery;
  /** Index names expected in the plan, per dialect. */
  sqlite: string[];
  postgres: string[];
}

const NAME_INDEXES = ['members_display_name_email', 'members_given_name_email', 'members_family_name_email'];

export const PEOPLE_PLANS: PeoplePlan[] = [
  { label: 'first page', query: { limit: 50 }, sqlite: ['members_email_ci'], postgres: ['members_email_c'] },
  {
    label: 'next page',
    query: { limit: 50, after: 'm@x.io' },
    sqlite: ['members_email_ci'],
    postgres: ['members_email_c'],
  },
  {
    label: 'state',
    query: { limit: 50, state: 'pending', after: 'm@x.io' },
    sqlite: ['members_state_managed_email'],
    postgres: ['members_state_managed_email'],
  },
  {
    label: 'managed',
    query: { limit: 50, managed: false },
    sqlite: ['members_state_managed_email'],
    postgres: ['members_state_managed_email'],
  },
  {
    label: 'state and managed',
    query: { limit: 50, state: 'pending', managed: true, after: 'm@x.io' },
    sqlite: ['members_state_managed_email'],
    // On the empty test table both state indexes cost the same to PostgreSQL's planner, which
    // then keeps the older one; only the absence of a table scan is checked there.
    postgres: [],
  },
  { label: 'search', query: { limit: 50, search: 'gr' }, sqlite: NAME_INDEXES, postgres: NAME_INDEXES },
  {
    label: 'search with filters, next page',
    query: { limit: 50, search: 'gr', state: 'active', managed: true, after: 'm@x.io' },
    sqlite: NAME_INDEXES,
    postgres: NAME_INDEXES,
  },
  // One filter: the e-mail branch is ranges of the state-and-managed index, not a walk of one state.
  {
    label: 'search with state',
    query: { limit: 50, search: 'gr', state: 'active' },
    sqlite: [...NAME_INDEXES, 'members_state_managed_email'],
    postgres: NAME_INDEXES,
  },
  {
    label: 'search not managed, next page',
    query: { limit: 50, search: 'gr', managed: false, after: 'm@x.io' },
    sqlite: [...NAME_INDEXES, 'members_state_managed_email'],
    postgres: NAME_INDEXES,
  },
];
