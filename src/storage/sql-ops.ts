/**
 * The Store's operations, written once for both databases over a small seam: an executor
 * (one connection's way of running a statement) and the dialect's own SQL (`dialectSql`).
 * Each dialect's store adds its transactions and overrides what it does better its own way.
 */
import type { GroupMemberRef, MailState, OutboxMessage } from '../account/model.ts';
import type { ListQuery, Page, StoreOps } from '../account/store.ts';
import {
  ACCESS_SQL,
  apiChallengeFromRow,
  apiChallengeValues,
  apiSessionFromRow,
  apiSessionValues,
  firewallRuleFromRow,
  firewallRuleValues,
} from './access-rows.ts';
import { groupAttributes, type ResourceAttributes, userAttributes } from './attributes.ts';
import type { SqlDialect } from './dialect.ts';
import * as keys from './key-chain-sql.ts';
import { groupListScope, type ListPlanner, type ListScope, memberListScope } from './list-query.ts';
import * as monitoring from './monitoring-rows.ts';
import * as rows from './rows.ts';
import { append, type Row } from './rows.ts';
import * as signup from './signup-rows.ts';
import { dialectSql, idLast, SQL } from './statements.ts';

export type Awaitable<T> = T | Promise<T>;

/**
 * One connection's way of running SQL written with `?` placeholders. SQLite answers at once,
 * PostgreSQL with a promise; a unique-index failure becomes the domain's UniqueViolation.
 */
export interface SqlExecutor {
  one(sql: string, params: unknown[]): Awaitable<Row | undefined>;
  many(sql: string, params: unknown[]): Awaitable<Row[]>;
  /** Rows changed. */
  run(sql: string, params: unknown[]): Awaitable<number>;
  /**
   * Generated SQL in the dialect's own placeholders (list pages and their counts), rows as
   * arrays with their column names: a page of 100 members is then made without first building
   * 100 keyed row objects. PostgreSQL does not keep these as named statements.
   */
  table(sql: string, params: unknown[]): Awaitable<{ names: readonly string[]; rows: unknown[][] }>;
}

const STATEMENTS = { sqlite: dialectSql('sqlite'), postgres: dialectSql('postgres') };

/** A keyed row from an array row and its column names. */
export function rowOf(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
  return row;
}

/**
 * Maps what the executor answers: SQLite's value at once (no needless await, which cost a
 * tenth of a member lookup), PostgreSQL's promise when it settles. Failures always reject.
 */
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
const dueOrder = (a: OutboxMessage, b: OutboxMessage): number =>
  a.nextAttemptAt !== b.nextAttemptAt ? (a.nextAttemptAt < b.nextAttemptAt ? -1 : 1) : a.id < b.id ? -1 : 1;

export function sqlOps(x: SqlExecutor, dialect: SqlDialect, planner: ListPlanner): StoreOps {
  const S = STATEMENTS[dialect.name];
  const ids = (values: readonly string[]) => keys.idsParam(dialect.name, values);
  // The jsonb profile cast to text by PostgreSQL, which the driver then leaves unparsed.
  const storedColumns =
    dialect.name === 'postgres'
      ? rows.MEMBER_COLUMNS.replace(/\bprofile\b/, 'profile::text AS profile')
      : rows.MEMBER_COLUMNS;

  async function list<T>(
    query: ListQuery,
    resource: ResourceAttributes,
    table: 'members' | 'groups',
    columns: string,
    /** Makes an item from an array row (the columns in `columns` order, then the sort keys). */
    fromValues: (values: unknown[], names: readonly string[]) => T,
    scope: ListScope,
  ): Promise<Page<T>> {
    const plan = planner.plan({
      table,
      resource,
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
      for (let i = 0; i < page.rows.length; i++) items[i] = fromValues(page.rows[i]!, page.names);
      if (page.rows.length > 0) last = rowOf(page.names, page.rows[page.rows.length - 1]!);
    }
    let total = plan.rows ? plan.totalFromPage(items.length) : undefined;
    if (total === undefined) {
      total =
        'counter' in plan.total
          ? Number((await x.one(SQL.readCounter, [plan.total.counter]))?.value ?? 0)
          : Number((await x.table(plan.total.sql, plan.total.params)).rows[0]?.[0] ?? 0);
    }
    plan.remember(items.length, last);
    return { total, items };
  }

  const groupOf = (values: unknown[], names: readonly string[]) => rows.groupFromRow(rowOf(names, values));
  const versioned = (values: unknown[], expectedVersion: number) => [...idLast(values), expectedVersion];

  return {
    getAccount: () => first(x.one(SQL.getAccount, []), rows.accountFromRow),
    saveAccount: (account) => done(x.run(SQL.saveAccount, rows.accountValues(account))),

    insertMember: (member) => done(x.run(SQL.insertMember, rows.memberValues(member))),
    updateMember: (member, version) =>
      one(x.run(SQL.updateMember, versioned(rows.memberValues(member), version))),
    getMember: (id) => first(x.one(SQL.getMember, [id]), rows.memberFromRow),
    findMemberByEmail: (email) => first(x.one(SQL.findMemberByEmail, [email]), rows.memberFromRow),
    findMemberByUserName: (name) => first(x.one(SQL.findMemberByUserName, [name]), rows.memberFromRow),
    findMemberByExternalId: (id) => first(x.one(SQL.findMemberByExternalId, [id]), rows.memberFromRow),
    listMembers: (query) =>
      list(
        query,
        userAttributes,
        'members',
        rows.MEMBER_COLUMNS,
        rows.memberFromValues,
        memberListScope(query),
      ),
    // With SQLite the same statement as `listMembers`, so that a sweep shares its seek hints.
    listMembersAsStored: (query) =>
      list(
        query,
        userAttributes,
        'members',
        storedColumns,
        rows.storedMemberFromValues,
        memberListScope(query),
      ),

    insertGroup: (group) => done(x.run(SQL.insertGroup, rows.groupValues(group))),
    updateGroup: (group, version) => one(x.run(SQL.updateGroup, versioned(rows.groupValues(group), version))),
    deleteGroup: (id) => one(x.run(SQL.deleteGroup, [id])),
    getGroup: (id) => first(x.one(SQL.getGroup, [id]), rows.groupFromRow),
    findGroupByDisplayName: (name) => first(x.one(SQL.findGroupByDisplayName, [name]), rows.groupFromRow),
    findGroupByKind: (kind) => first(x.one(SQL.findGroupByKind, [kind]), rows.groupFromRow),
    listGroups: (query) =>
      list(query, groupAttributes, 'groups', rows.GROUP_COLUMNS, groupOf, groupListScope(query)),

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
    listGroupsOfMembers: async (memberIds) => {
      const groups = new Map<string, Array<{ id: string; displayName: string; managed: boolean }>>();
      if (memberIds.length === 0) return groups;
      for (const row of await x.many(S.listGroupsOfMembers, [ids(memberIds)])) {
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

    saveMemberKeys: (memberKeys) => done(x.run(SQL.saveMemberKeys, rows.memberKeyValues(memberKeys))),
    getMemberKeys: (memberId) => first(x.one(SQL.getMemberKeys, [memberId]), rows.memberKeysFromRow),
    getMemberPublicKeys: async (memberIds) =>
      memberIds.length === 0
        ? new Map()
        : keys.publicKeysFromRows(await x.many(S.memberPublicKeys, [ids(memberIds)])),

    // The key chain (migration 4).
    getGroupKeys: async (groupIds) =>
      groupIds.length === 0 ? [] : each(x.many(S.getGroupKeys, [ids(groupIds)]), keys.groupKeyFromRow),
    insertGroupKey: (key) => one(x.run(S.insertGroupKey, keys.groupKeyValues(key))),
    listProvisioningGroupKeys: (page) =>
      each(
        page.afterGroupId === undefined
          ? x.many(S.listProvisioningGroupKeys, [page.limit])
          : x.many(S.listProvisioningGroupKeysAfter, [page.afterGroupId, page.limit]),
        keys.groupKeyFromRow,
      ),
    replaceProvisioningSeal: (groupId, publicKey, sealed) =>
      one(x.run(S.replaceProvisioningSeal, [sealed, groupId, publicKey])),
    addGroupKeyShares: async (shares) =>
      shares.length === 0 ? 0 : x.run(S.addGroupKeyShares, keys.sharesParams(dialect.name, shares)),
    listGroupKeySharesOfMember: (memberId) =>
      each(x.many(S.listGroupKeySharesOfMember, [memberId]), keys.memberKeyShareFromRow),
    listPendingMembers: (page) =>
      each(
        page.afterMemberId === undefined
          ? x.many(S.listPendingMembers, [page.limit])
          : x.many(S.listPendingMembersAfter, [page.afterMemberId, page.limit]),
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
          keys.missingShareFromRow,
        );
      }
      const after = query.after;
      return each(
        after === undefined
          ? x.many(S.missingSharesSweep, [query.limit])
          : x.many(S.missingSharesSweepAfter, [after.memberId, after.groupId, query.limit]),
        keys.missingShareFromRow,
      );
    },
    readCounter: async (name) => Number((await x.one(SQL.readCounter, [name]))?.value ?? 0),
    insertVault: (vault) => done(x.run(S.insertVault, keys.vaultValues(vault))),
    getVault: (id) => first(x.one(S.getVault, [id]), keys.vaultFromRow),
    findVaultByName: (name) => first(x.one(S.findVaultByName, [name]), keys.vaultFromRow),
    listVaults: (page) =>
      each(
        page.afterId === undefined
          ? x.many(S.listVaults, [page.limit])
          : x.many(S.listVaultsAfter, [page.afterId, page.limit]),
        keys.vaultFromRow,
      ),
    saveVaultGrant: (grant) => done(x.run(S.saveVaultGrant, keys.vaultGrantValues(grant))),
    listVaultGrants: (vaultId) => each(x.many(S.listVaultGrants, [vaultId]), keys.vaultGrantFromRow),
    listVaultsOnlyGrantedTo: (groupId) =>
      each(x.many(S.listVaultsOnlyGrantedTo, [groupId]), keys.vaultFromRow),
    listVaultGrantsOfGroups: async (groupIds) =>
      groupIds.length === 0
        ? []
        : each(x.many(S.listVaultGrantsOfGroups, [ids(groupIds)]), (row) => ({
            ...keys.vaultGrantFromRow(row),
            vaultName: row.vault_name as string,
          })),

    insertInvitation: (invitation) =>
      done(x.run(signup.SIGNUP_SQL.insertInvitation, signup.invitationValues(invitation))),
    findInvitationByTokenHash: (hash) =>
      first(x.one(signup.SIGNUP_SQL.findInvitationByTokenHash, [hash]), signup.invitationFromRow),
    listInvitations: (memberId) =>
      each(x.many(signup.SIGNUP_SQL.listInvitations, [memberId]), signup.invitationFromRow),
    revokeOpenInvitations: (memberId, at) =>
      count(x.run(signup.SIGNUP_SQL.revokeOpenInvitations, [at, memberId])),
    markInvitationUsed: (id, at) => one(x.run(signup.SIGNUP_SQL.markInvitationUsed, [at, id])),
    saveMemberCredential: (credential) =>
      done(x.run(signup.SIGNUP_SQL.saveMemberCredential, signup.credentialValues(credential))),
    getMemberCredential: (memberId) =>
      first(x.one(signup.SIGNUP_SQL.getMemberCredential, [memberId]), signup.credentialFromRow),
    insertMemberSession: (session) =>
      done(x.run(signup.SIGNUP_SQL.insertMemberSession, signup.sessionValues(session))),
    getMemberSession: (hash) =>
      first(x.one(signup.SIGNUP_SQL.getMemberSession, [hash]), signup.sessionFromRow),
    deleteMemberSession: (hash) => one(x.run(signup.SIGNUP_SQL.deleteMemberSession, [hash])),
    deleteExpiredMemberSessions: (now) => count(x.run(signup.SIGNUP_SQL.deleteExpiredMemberSessions, [now])),
    transferMemberSignup: async (from, to) => {
      await x.run(signup.SIGNUP_SQL.transferMemberKeys, [to, from]);
      await x.run(signup.SIGNUP_SQL.transferMemberCredential, [to, from]);
      await x.run(signup.SIGNUP_SQL.deleteSessionsOfMember, [from]);
    },
    ensureAccountSecret: async (name, candidate) => {
      await x.run(signup.SIGNUP_SQL.insertAccountSecret, [name, candidate]);
      return (await x.one(signup.SIGNUP_SQL.getAccountSecret, [name]))!.value as string;
    },

    getIntegration: () => first(x.one(SQL.getIntegration, []), rows.integrationFromRow),
    saveIntegration: (integration) => done(x.run(SQL.saveIntegration, rows.integrationValues(integration))),

    insertApiChallenge: (challenge) =>
      done(x.run(ACCESS_SQL.insertApiChallenge, apiChallengeValues(challenge))),
    takeApiChallenge: (id) => first(x.one(ACCESS_SQL.takeApiChallenge, [id]), apiChallengeFromRow),
    insertApiSession: (session) => done(x.run(ACCESS_SQL.insertApiSession, apiSessionValues(session))),
    getApiSession: (hash) => first(x.one(ACCESS_SQL.getApiSession, [hash]), apiSessionFromRow),
    deleteApiSessions: () => count(x.run(ACCESS_SQL.deleteApiSessions, [])),
    purgeExpiredApiAuth: async (now) => {
      await x.run(ACCESS_SQL.purgeApiChallenges, [now]);
      await x.run(ACCESS_SQL.purgeApiSessions, [now]);
    },
    listFirewallRules: () => each(x.many(ACCESS_SQL.listFirewallRules, []), firewallRuleFromRow),
    insertFirewallRule: (rule) => done(x.run(ACCESS_SQL.insertFirewallRule, firewallRuleValues(rule))),
    deleteFirewallRule: (id) => one(x.run(ACCESS_SQL.deleteFirewallRule, [id])),

    appendActivity: (entry) => done(x.run(SQL.appendActivity, rows.activityValues(entry))),
    listActivity: (page) =>
      each(
        page.before === undefined
          ? x.many(SQL.listActivity, [page.limit])
          : x.many(SQL.listActivityBefore, [page.before, page.limit]),
        rows.activityFromRow,
      ),

    enqueueMail: (message) => done(x.run(SQL.enqueueMail, rows.outboxValues(message))),
    getMail: (id) => first(x.one(SQL.getMail, [id]), rows.outboxFromRow),
    listMail: (page) =>
      each(
        page.state === undefined
          ? x.many(SQL.listMail, [page.limit])
          : x.many(SQL.listMailInState, [page.state, page.limit]),
        rows.outboxFromRow,
      ),
    updateMail: (message) => done(x.run(SQL.updateMail, idLast(rows.outboxValues(message)))),
    countMailByState: async (): Promise<Record<MailState, number>> =>
      monitoring.mailCountsFromRows(await x.many(monitoring.MONITORING_SQL.countMailByState, [])),
    claimDueMail: async (now, claim, limit) =>
      (
        await each(x.many(S.claimDueMail, [claim.claimId, claim.until, now, now, limit]), rows.outboxFromRow)
      ).sort(dueOrder),
    finishMail: (id, claimId, outcome) =>
      one(x.run(SQL.finishMail, rows.mailOutcomeValues(id, claimId, outcome))),

    insertMonitoringToken: (token) =>
      done(x.run(monitoring.MONITORING_SQL.insertMonitoringToken, monitoring.monitoringTokenValues(token))),
    findMonitoringToken: (hash) =>
      first(x.one(monitoring.MONITORING_SQL.findMonitoringToken, [hash]), monitoring.monitoringTokenFromRow),
    listMonitoringTokens: () =>
      each(x.many(monitoring.MONITORING_SQL.listMonitoringTokens, []), monitoring.monitoringTokenFromRow),
    deleteMonitoringToken: (id) => one(x.run(monitoring.MONITORING_SQL.deleteMonitoringToken, [id])),
    listNotificationRecipients: () =>
      each(x.many(monitoring.MONITORING_SQL.listRecipients, []), (row) => row.email as string),
    // Callers that need the swap to be atomic run this inside a transaction.
    setNotificationRecipients: async (emails) => {
      await x.run(monitoring.MONITORING_SQL.clearRecipients, []);
      for (const email of emails) await x.run(monitoring.MONITORING_SQL.insertRecipient, [email]);
    },
    getBridgeHealth: (url) => first(x.one(S.getBridgeHealth, [url]), monitoring.bridgeHealthFromRow),
    saveBridgeHealth: (record) =>
      done(x.run(monitoring.MONITORING_SQL.saveBridgeHealth, monitoring.bridgeHealthValues(record))),

    insertEmailChangeToken: (token) =>
      done(x.run(SQL.insertEmailChangeToken, rows.emailChangeTokenValues(token))),
    getEmailChangeToken: (hash) =>
      first(x.one(SQL.getEmailChangeToken, [hash]), rows.emailChangeTokenFromRow),
    latestEmailChangeToken: (memberId) =>
      first(x.one(SQL.latestEmailChangeToken, [memberId]), rows.emailChangeTokenFromRow),
    useEmailChangeToken: (hash, usedAt) => one(x.run(SQL.useEmailChangeToken, [usedAt, hash])),
  };
}

const idOf = (row: Row): string => row.id as string;
