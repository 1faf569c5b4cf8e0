// The Store's operations, once for both databases over an executor and the dialect's SQL.

import type { GroupMemberRef, MailState, Member, MemberState, OutboxMessage } from '../account/model.ts';
import type { ListQuery, Page, StoreOps } from '../account/store.ts';
import { groupNameKey } from '../account/text-rules.ts';
import { groupAttributes, userAttributes } from './attributes.ts';
import { numbered, type SqlDialect } from './dialect.ts';
import * as keys from './key-chain-sql.ts';
import { groupListScope, type ListPlanner, type ListScope, memberListScope } from './list-query.ts';
import * as people from './people-sql.ts';
import * as requestLog from './request-log-sql.ts';
import * as rows from './rows.ts';
import { append, type Row, type Table } from './rows.ts';
import { dialectSql, idLast, listActivitySql, SQL } from './statements.ts';

export type Awaitable<T> = T | Promise<T>;

/** SQL with `?` placeholders; a unique-index failure becomes the domain's UniqueViolation. */
export interface SqlExecutor {
  one(sql: string, params: unknown[]): Awaitable<Row | undefined>;
  many(sql: string, params: unknown[]): Awaitable<Row[]>;
  /** Rows changed. */
  run(sql: string, params: unknown[]): Awaitable<number>;
  /** Generated SQL in the dialect's placeholders; array rows spare a page 100 keyed objects. */
  table(sql: string, params: unknown[]): Awaitable<{ names: readonly string[]; rows: unknown[][] }>;
}

const STATEMENTS = { sqlite: dialectSql('sqlite'), postgres: dialectSql('postgres') };

/** A keyed row from an array row and its column names. */
export function rowOf(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
  return row;
}

/** Maps SQLite's value without an await (a tenth of a lookup), PostgreSQL's promise when it settles. */
function then<T, R>(value: Awaitable<T>, map: (value: T) => R): Promise<R> {
  if (value instanceof Promise) return value.then(map);
  try {
    return Promise.resolve(map(value));
  } catch (error) {
    return Promise.reject(error);
  }
}
const first = <T>(row: Awaitable<Row | undefined>, map: (row: Row) => T) =>
  then(row, (found) => found && map(found));
const each = <T>(found: Awaitable<Row[]>, map: (row: Row) => T) =>
  then(found, (all) => all.map((row) => map(row)));
const one = (changes: Awaitable<number>) => then(changes, (n) => n === 1);
const done = (changes: Awaitable<number>) => then(changes, () => undefined);
const count = (changes: Awaitable<number>) => then(changes, (n) => n);

/** RETURNING gives rows in no promised order; senders work oldest due first. */
function mailCountsFromRows(found: Row[]): Record<MailState, number> {
  const counts: Record<MailState, number> = { queued: 0, sent: 0, failed: 0 };
  for (const row of found) counts[row.state as MailState] = Number(row.n);
  return counts;
}

/** The order of `ORDER BY name_key`; names are unique by their key, so there are no ties. */
const byNameKey = (a: string, b: string): number => {
  const [x, y] = [groupNameKey(a), groupNameKey(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

const dueOrder = (a: OutboxMessage, b: OutboxMessage): number =>
  a.nextAttemptAt !== b.nextAttemptAt ? (a.nextAttemptAt < b.nextAttemptAt ? -1 : 1) : a.id < b.id ? -1 : 1;

export function sqlOps(x: SqlExecutor, dialect: SqlDialect, planner: ListPlanner): StoreOps {
  const S = STATEMENTS[dialect.name];
  const ids = (values: readonly string[]) => keys.idsParam(dialect.name, values);
  // The jsonb profile cast to text by PostgreSQL, which the driver then leaves unparsed.
  const storedColumns =
    dialect.name === 'postgres'
      ? rows.STORED_MEMBER.columns.replace(/\bprofile\b/, 'profile::text AS profile')
      : rows.STORED_MEMBER.columns;

  async function list<T>(
    query: ListQuery,
    table: 'members' | 'groups',
    columns: string,
    /** Makes an item from an array row (the columns in `columns` order, then the sort keys). */
    fromValues: (values: readonly unknown[]) => T,
    scope: ListScope,
  ): Promise<Page<T>> {
    const plan = planner.plan({
      table,
      resource: table === 'members' ? userAttributes : groupAttributes,
      columns,
      conditions: scope.conditions,
      counter: scope.counter,
      filter: query.filter,
      sortBy: query.sortBy,
      descending: query.descending,
      startIndex: Math.max(1, query.startIndex),
      count: query.count,
    });
    let items: T[] = [];
    let last: Row | undefined;
    if (plan.rows) {
      const page = await x.table(plan.rows.sql, plan.rows.params);
      items = new Array(page.rows.length);
      for (let i = 0; i < page.rows.length; i++) items[i] = fromValues(page.rows[i]!);
      if (page.rows.length > 0) last = rowOf(page.names, page.rows[page.rows.length - 1]!);
    }
    let total = plan.rows ? plan.totalFromPage(items.length) : undefined;
    if (total === undefined) {
      total =
        'counter' in plan.total
          ? plan.countedTotal(await x.one(SQL.readCounter, [plan.total.counter]))
          : plan.countedTotal(firstRow(await x.table(plan.total.sql, plan.total.params)));
    }
    plan.remember(items.length, last);
    return { total, items };
  }

  /** The first page (`[limit]`), or the page after a key or in a state (`[key, limit]`). */
  const paged = (first: string, next: string, key: unknown, limit: number) =>
    key === undefined ? x.many(first, [limit]) : x.many(next, [key, limit]);
  const members = <T>(query: ListQuery, columns: string, fromValues: (values: readonly unknown[]) => T) =>
    list(query, 'members', columns, fromValues, memberListScope(query));
  const versioned = (values: unknown[], expectedVersion: number) => [...idLast(values), expectedVersion];
  /** A statement that writes one item, or reads the row(s) its parameters find. */
  function write<T>(sql: string, table: Table<T>) {
    return (item: T) => done(x.run(sql, table.values(item)));
  }
  function get<T>(sql: string, table: Table<T>) {
    return (...params: unknown[]) => first(x.one(sql, params), table.fromRow);
  }
  function all<T>(sql: string, table: Table<T>) {
    return (...params: unknown[]) => each(x.many(sql, params), table.fromRow);
  }

  return {
    getAccount: get(SQL.getAccount, rows.ACCOUNT),
    lockAccountSetup: async () => {
      if (dialect.name === 'postgres')
        await x.one(
          "SELECT pg_advisory_xact_lock(hashtext('scimbridge.setup.' || current_schema())) AS locked",
          [],
        );
    },
    saveAccount: write(SQL.saveAccount, rows.ACCOUNT),

    insertMember: write(SQL.insertMember, rows.MEMBER),
    updateMember: (member, version) =>
      one(x.run(SQL.updateMember, versioned(rows.MEMBER.values(member), version))),
    getMember: get(SQL.getMember, rows.MEMBER),
    findMemberByEmail: get(SQL.findMemberByEmail, rows.MEMBER),
    findMemberByUserName: get(SQL.findMemberByUserName, rows.MEMBER),
    findMembersByUserNameOrEmail: async (userName, email) => {
      const found = await x.many(SQL.findMembersByUserNameOrEmail, [userName, email, userName, email]);
      let byUserName: Member | undefined;
      let byEmail: Member | undefined;
      for (const row of found) {
        const member = rows.MEMBER.fromRow(row);
        // SQLite answers 1 or 0, PostgreSQL true or false.
        if (row.by_user_name) byUserName = member;
        if (row.by_email) byEmail = byUserName?.id === member.id ? byUserName : member;
      }
      return { byUserName, byEmail };
    },
    findMemberByExternalId: get(SQL.findMemberByExternalId, rows.MEMBER),
    listMembers: (query) => members(query, rows.MEMBER.columns, rows.MEMBER.fromValues),
    // With SQLite the same statement as `listMembers`, so that a sweep shares its seek hints.
    listMembersAsStored: (query) => members(query, storedColumns, rows.STORED_MEMBER.fromValues),

    // Unnamed, so PostgreSQL plans for these values: a generic plan cannot tell rare prefixes.
    listPeople: async (query) => {
      const { sql, params } = people.peopleSql(dialect.name, query);
      const page = await x.table(dialect.name === 'postgres' ? numbered(sql) : sql, params);
      return people.peoplePageOf(
        page.rows.map((values) => rowOf(page.names, values)),
        query.limit,
      );
    },
    countMembersByState: async (): Promise<Record<MemberState, number>> =>
      people.stateCountsOf(await x.many(people.PEOPLE_COUNT_SQL, [])),
    deleteMember: async (id) => {
      await x.run(SQL.deleteEmailChangeTokensOfMember, [id]);
      await x.run(S.deleteQueuedMailOfMember, [id]);
      return (await x.run(SQL.deleteMember, [id])) === 1;
    },

    insertGroup: (group) => done(x.run(SQL.insertGroup, rows.groupValues(group))),
    updateGroup: (group, version) => one(x.run(SQL.updateGroup, versioned(rows.groupValues(group), version))),
    deleteGroup: (id) => one(x.run(SQL.deleteGroup, [id])),
    getGroup: get(SQL.getGroup, rows.GROUP),
    findGroupByDisplayName: (name) =>
      first(x.one(SQL.findGroupByDisplayName, [groupNameKey(name)]), rows.GROUP.fromRow),
    findGroupByKind: get(SQL.findGroupByKind, rows.GROUP),
    listGroups: (query) =>
      list(query, 'groups', rows.GROUP_COLUMNS, rows.GROUP.fromValues, groupListScope(query)),

    releaseManagedGroups: (integrationId, at) => count(x.run(SQL.releaseManagedGroups, [integrationId, at])),
    listPreviousIntegrationGroups: () =>
      each(x.many(SQL.listPreviousIntegrationGroups, []), (row) => ({
        group: rows.GROUP.fromRow(row),
        memberCount: Number(row.member_count),
        integrationId: row.previous_integration_id as string,
      })),
    transferPreviousIntegrationGroups: async (at) =>
      // RETURNING promises no order; callers show them by name.
      (await x.many(SQL.transferPreviousIntegrationGroups, [at]))
        .map(rows.GROUP.fromRow)
        .sort((a, b) => byNameKey(a.displayName, b.displayName)),
    forgetPreviousIntegration: (groupId) => one(x.run(SQL.forgetPreviousIntegration, [groupId])),

    addGroupMembers: async (groupId, memberIds) =>
      memberIds.length === 0 ? 0 : x.run(S.addGroupMembers, [groupId, ids(memberIds)]),
    removeGroupMembers: async (groupId, memberIds) =>
      memberIds.length === 0 ? 0 : x.run(S.removeGroupMembers, [groupId, ids(memberIds)]),
    removeAllGroupMembers: (groupId) => count(x.run(SQL.removeAllGroupMembers, [groupId])),
    filterGroupMembers: async (groupId, memberIds) =>
      memberIds.length === 0 ? [] : each(x.many(S.filterGroupMembers, [groupId, ids(memberIds)]), idOf),
    listGroupMembers: async (groupId, page) =>
      (await (page.afterMemberId === undefined
        ? x.many(SQL.listGroupMembers, [groupId, page.limit])
        : x.many(SQL.listGroupMembersAfter, [
            groupId,
            page.afterMemberId,
            page.limit,
          ]))) as unknown as GroupMemberRef[],
    countGroupMembers: async (groupId) => Number((await x.one(SQL.countGroupMembers, [groupId]))?.n ?? 0),
    countGroupKeyShares: async (groupId) => Number((await x.one(SQL.countGroupKeyShares, [groupId]))?.n ?? 0),
    listGroupsOfMembers: async (memberIds, options) => {
      const groups = new Map<string, Array<{ id: string; displayName: string; managed: boolean }>>();
      if (memberIds.length === 0) return groups;
      const sql = options?.managedOnly ? S.listManagedGroupsOfMembers : S.listGroupsOfMembers;
      for (const row of await x.many(sql, [ids(memberIds)])) {
        append(groups, row.member_id as string, {
          id: row.id as string,
          displayName: row.display_name as string,
          managed: rows.bool(row.managed),
        });
      }
      return groups;
    },
    existingMemberIds: async (memberIds) =>
      memberIds.length === 0 ? [] : each(x.many(S.existingMemberIds, [ids(memberIds)]), idOf),

    saveMemberKeys: write(SQL.saveMemberKeys, rows.MEMBER_KEYS),
    getMemberKeys: get(SQL.getMemberKeys, rows.MEMBER_KEYS),
    getMemberPublicKeys: async (memberIds) =>
      memberIds.length === 0
        ? new Map()
        : keys.publicKeysFromRows(await x.many(S.memberPublicKeys, [ids(memberIds)])),

    // The key chain (migration 4).
    getGroupKeys: async (groupIds) =>
      groupIds.length === 0 ? [] : each(x.many(S.getGroupKeys, [ids(groupIds)]), rows.GROUP_KEY.fromRow),
    insertGroupKey: (key) => one(x.run(S.insertGroupKey, rows.GROUP_KEY.values(key))),
    listProvisioningGroupKeys: (page) =>
      each(
        paged(S.listProvisioningGroupKeys, S.listProvisioningGroupKeysAfter, page.afterGroupId, page.limit),
        rows.GROUP_KEY.fromRow,
      ),
    replaceProvisioningSeal: (groupId, publicKey, sealed) =>
      one(x.run(S.replaceProvisioningSeal, [sealed, groupId, publicKey])),
    giveProvisioningSeal: (groupId, publicKey, sealed) =>
      one(x.run(S.giveProvisioningSeal, [sealed, groupId, publicKey])),
    withdrawProvisioningSeal: (groupId) => one(x.run(S.withdrawProvisioningSeal, [groupId])),
    addGroupKeyShares: async (shares) =>
      shares.length === 0 ? 0 : x.run(S.addGroupKeyShares, keys.sharesParams(dialect.name, shares)),
    listGroupKeySharesOfMember: all(S.listGroupKeySharesOfMember, rows.MEMBER_KEY_SHARE),
    listPendingMembers: (page) =>
      each(
        paged(S.listPendingMembers, S.listPendingMembersAfter, page.afterMemberId, page.limit),
        keys.pendingMemberFromRow,
      ),
    listKeyedGroupsOfMembers: async (memberIds) =>
      memberIds.length === 0
        ? new Map()
        : keys.keyedGroupsFromRows(await x.many(S.listKeyedGroupsOfMembers, [ids(memberIds)])),
    findMissingKeyShares: async (query) => {
      if ('groupId' in query) {
        if (query.memberIds.length === 0) return [];
        return each(
          x.many(S.missingSharesOfGroup, [query.groupId, ids(query.memberIds)]),
          rows.MISSING_SHARE.fromRow,
        );
      }
      const after = query.after;
      return each(
        after === undefined
          ? x.many(S.missingSharesSweep, [query.limit])
          : x.many(S.missingSharesSweepAfter, [after.memberId, after.groupId, query.limit]),
        rows.MISSING_SHARE.fromRow,
      );
    },
    readCounter: async (name) => Number((await x.one(SQL.readCounter, [name]))?.value ?? 0),
    insertVault: write(S.insertVault, rows.VAULT),
    getVault: get(S.getVault, rows.VAULT),
    findVaultByName: get(S.findVaultByName, rows.VAULT),
    listVaults: (page) =>
      each(paged(S.listVaults, S.listVaultsAfter, page.afterId, page.limit), rows.VAULT.fromRow),
    saveVaultGrant: write(S.saveVaultGrant, rows.VAULT_GRANT),
    deleteVaultGrant: (vaultId, groupId) => one(x.run(S.deleteVaultGrant, [vaultId, groupId])),
    listVaultGrants: all(S.listVaultGrants, rows.VAULT_GRANT),
    lockVaultGrants: all(S.lockVaultGrants, rows.VAULT_GRANT),
    lockGrantsOfVaultsOpenedBy: all(S.lockGrantsOfVaultsOpenedBy, rows.VAULT_GRANT),
    setVaultGrantPermission: (vaultId, groupId, permission) =>
      one(x.run(S.setVaultGrantPermission, [permission, vaultId, groupId])),
    listVaultsOnlyGrantedTo: all(S.listVaultsOnlyGrantedTo, rows.VAULT),
    listVaultGrantsOfGroups: async (groupIds) =>
      groupIds.length === 0
        ? []
        : each(x.many(S.listVaultGrantsOfGroups, [ids(groupIds)]), (row) => ({
            ...rows.VAULT_GRANT.fromRow(row),
            vaultName: row.vault_name as string,
          })),

    insertInvitation: write(SQL.insertInvitation, rows.INVITATION),
    findInvitationByTokenHash: get(SQL.findInvitationByTokenHash, rows.INVITATION),
    listInvitations: all(SQL.listInvitations, rows.INVITATION),
    revokeOpenInvitations: (memberId, at) => count(x.run(SQL.revokeOpenInvitations, [at, memberId])),
    markInvitationUsed: (id, at) => one(x.run(SQL.markInvitationUsed, [at, id])),
    saveMemberCredential: write(SQL.saveMemberCredential, rows.CREDENTIAL),
    getMemberCredential: get(SQL.getMemberCredential, rows.CREDENTIAL),
    insertMemberSession: write(SQL.insertMemberSession, rows.SESSION),
    getMemberSession: get(SQL.getMemberSession, rows.SESSION),
    deleteMemberSession: (hash) => one(x.run(SQL.deleteMemberSession, [hash])),
    extendMemberSession: (hash, expiresAt) =>
      one(x.run(SQL.extendMemberSession, [expiresAt, hash, expiresAt])),
    deleteSessionsOfMember: (memberId) => count(x.run(SQL.deleteSessionsOfMember, [memberId])),
    deleteExpiredMemberSessions: (now) => count(x.run(SQL.deleteExpiredMemberSessions, [now])),
    transferMemberSignup: async (from, to) => {
      await x.run(SQL.transferMemberKeys, [to, from]);
      await x.run(SQL.transferMemberCredential, [to, from]);
      await x.run(SQL.deleteSessionsOfMember, [from]);
    },
    ensureAccountSecret: async (name, candidate) => {
      await x.run(SQL.insertAccountSecret, [name, candidate]);
      return (await x.one(SQL.getAccountSecret, [name]))!.value as string;
    },

    getIntegration: get(SQL.getIntegration, rows.INTEGRATION),
    saveIntegration: write(SQL.saveIntegration, rows.INTEGRATION),

    insertApiChallenge: write(SQL.insertApiChallenge, rows.API_CHALLENGE),
    takeApiChallenge: get(SQL.takeApiChallenge, rows.API_CHALLENGE),
    insertApiSession: write(SQL.insertApiSession, rows.API_SESSION),
    getApiSession: get(SQL.getApiSession, rows.API_SESSION),
    deleteApiSessions: () => count(x.run(SQL.deleteApiSessions, [])),
    purgeExpiredApiAuth: async (now) => {
      await x.run(SQL.purgeApiChallenges, [now]);
      await x.run(SQL.purgeApiSessions, [now]);
    },
    listFirewallRules: all(SQL.listFirewallRules, rows.FIREWALL_RULE),
    insertFirewallRule: (rule) => done(x.run(SQL.insertFirewallRule, rows.firewallRuleValues(rule))),
    deleteFirewallRule: (id) => one(x.run(SQL.deleteFirewallRule, [id])),

    appendActivity: write(SQL.appendActivity, rows.ACTIVITY),
    listActivity: (page) => {
      const { sql, params } = listActivitySql(page);
      return each(x.many(sql, params), rows.ACTIVITY.fromRow);
    },

    appendScimRequests: async (records) => {
      for (const record of records)
        await x.run(requestLog.INSERT_SCIM_REQUEST, requestLog.scimRequestValues(record));
    },
    listScimRequests: (query) => {
      const { sql, params } = requestLog.listScimRequestsSql(query);
      return each(x.many(sql, params), requestLog.scimRequestFromRow);
    },
    getScimRequest: async (id) =>
      /^\d{1,15}$/.test(id)
        ? first(x.one(requestLog.GET_SCIM_REQUEST, [Number(id)]), requestLog.scimRequestFromRow)
        : undefined,
    pruneScimRequests: async (limits) =>
      (await x.run(requestLog.PRUNE_SCIM_REQUESTS_BY_AGE, [limits.olderThan])) +
      (await x.run(requestLog.PRUNE_SCIM_REQUESTS_BY_COUNT, [limits.keep])),

    enqueueMail: write(SQL.enqueueMail, rows.OUTBOX),
    getMail: get(SQL.getMail, rows.OUTBOX),
    listMail: (page) =>
      each(paged(SQL.listMail, SQL.listMailInState, page.state, page.limit), rows.OUTBOX.fromRow),
    updateMail: (message) => done(x.run(SQL.updateMail, idLast(rows.OUTBOX.values(message)))),
    countMailByState: async (): Promise<Record<MailState, number>> =>
      mailCountsFromRows(await x.many(SQL.countMailByState, [])),
    claimDueMail: async (now, claim, limit) =>
      (
        await each(x.many(S.claimDueMail, [claim.claimId, claim.until, now, now, limit]), rows.OUTBOX.fromRow)
      ).sort(dueOrder),
    dropQueuedMail: (memberId, template, reason) =>
      count(x.run(S.dropQueuedMail, [reason, template, memberId])),
    finishMail: (id, claimId, outcome) =>
      one(x.run(SQL.finishMail, rows.mailOutcomeValues(id, claimId, outcome))),

    insertMonitoringToken: write(SQL.insertMonitoringToken, rows.MONITORING_TOKEN),
    findMonitoringToken: get(SQL.findMonitoringToken, rows.MONITORING_TOKEN),
    listMonitoringTokens: all(SQL.listMonitoringTokens, rows.MONITORING_TOKEN),
    deleteMonitoringToken: (id) => one(x.run(SQL.deleteMonitoringToken, [id])),
    listNotificationRecipients: () => each(x.many(SQL.listRecipients, []), (row) => row.email as string),
    // Callers that need the swap to be atomic run this inside a transaction.
    setNotificationRecipients: async (emails) => {
      await x.run(SQL.clearRecipients, []);
      for (const email of emails) await x.run(SQL.insertRecipient, [email]);
    },
    getBridgeHealth: get(S.getBridgeHealth, rows.BRIDGE_HEALTH),
    saveBridgeHealth: write(SQL.saveBridgeHealth, rows.BRIDGE_HEALTH),
    getMonitoringSwitch: async () => {
      const row = await x.one(SQL.getMonitoringSwitch, []);
      if (row === undefined) return { enabled: true, changedAt: null };
      return { enabled: Number(row.enabled) === 1, changedAt: row.changed_at as string };
    },
    setMonitoringSwitch: (enabled, changedAt) =>
      done(x.run(SQL.setMonitoringSwitch, [enabled ? 1 : 0, changedAt])),

    insertEmailChangeToken: write(SQL.insertEmailChangeToken, rows.EMAIL_CHANGE_TOKEN),
    getEmailChangeToken: get(SQL.getEmailChangeToken, rows.EMAIL_CHANGE_TOKEN),
    latestEmailChangeToken: get(SQL.latestEmailChangeToken, rows.EMAIL_CHANGE_TOKEN),
    useEmailChangeToken: (hash, usedAt) => one(x.run(SQL.useEmailChangeToken, [usedAt, hash])),
  };
}

const idOf = (row: Row): string => row.id as string;

const firstRow = (table: { names: readonly string[]; rows: unknown[][] }): Row | undefined =>
  table.rows[0] === undefined ? undefined : rowOf(table.names, table.rows[0]);
