// The Store's operations, once for both databases over an executor and the dialect's SQL.

import type { GroupMemberRef, MailState, MemberState, OutboxMessage } from '../account/model.ts';
import type { ListQuery, Page, StoreOps } from '../account/store.ts';
import { groupNameKey } from '../account/text-rules.ts';
import { groupAttributes, type ResourceAttributes, userAttributes } from './attributes.ts';
import type { SqlDialect } from './dialect.ts';
import * as keys from './key-chain-sql.ts';
import { groupListScope, type ListPlanner, type ListScope, memberListScope } from './list-query.ts';
import * as people from './people-sql.ts';
import * as requestLog from './request-log-sql.ts';
import * as rows from './rows.ts';
import { append, type Row } from './rows.ts';
import { dialectSql, idLast, SQL } from './statements.ts';

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

const dueOrder = (a: OutboxMessage, b: OutboxMessage): number =>
  a.nextAttemptAt !== b.nextAttemptAt ? (a.nextAttemptAt < b.nextAttemptAt ? -1 : 1) : a.id < b.id ? -1 : 1;

export function sqlOps(x: SqlExecutor, dialect: SqlDialect, planner: ListPlanner): StoreOps {
  const S = STATEMENTS[dialect.name];
  const ids = (values: readonly string[]) => keys.idsParam(dialect.name, values);
  // The jsonb profile cast to text by PostgreSQL, which the driver then leaves unparsed.
  const storedColumns =
    dialect.name === 'postgres'
      ? rows.MEMBER.columns.replace(/\bprofile\b/, 'profile::text AS profile')
      : rows.MEMBER.columns;

  async function list<T>(
    query: ListQuery,
    resource: ResourceAttributes,
    table: 'members' | 'groups',
    columns: string,
    /** Makes an item from an array row (the columns in `columns` order, then the sort keys). */
    fromValues: (values: readonly unknown[]) => T,
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
    list(query, userAttributes, 'members', columns, fromValues, memberListScope(query));
  const versioned = (values: unknown[], expectedVersion: number) => [...idLast(values), expectedVersion];

  return {
    getAccount: () => first(x.one(SQL.getAccount, []), rows.ACCOUNT.fromRow),
    lockAccountSetup: async () => {
      if (dialect.name === 'postgres')
        await x.one(
          "SELECT pg_advisory_xact_lock(hashtext('scimbridge.setup.' || current_schema())) AS locked",
          [],
        );
    },
    saveAccount: (account) => done(x.run(SQL.saveAccount, rows.ACCOUNT.values(account))),

    insertMember: (member) => done(x.run(SQL.insertMember, rows.MEMBER.values(member))),
    updateMember: (member, version) =>
      one(x.run(SQL.updateMember, versioned(rows.MEMBER.values(member), version))),
    getMember: (id) => first(x.one(SQL.getMember, [id]), rows.MEMBER.fromRow),
    findMemberByEmail: (email) => first(x.one(SQL.findMemberByEmail, [email]), rows.MEMBER.fromRow),
    findMemberByUserName: (name) => first(x.one(SQL.findMemberByUserName, [name]), rows.MEMBER.fromRow),
    findMemberByExternalId: (id) => first(x.one(SQL.findMemberByExternalId, [id]), rows.MEMBER.fromRow),
    listMembers: (query) => members(query, rows.MEMBER.columns, rows.MEMBER.fromValues),
    // With SQLite the same statement as `listMembers`, so that a sweep shares its seek hints.
    listMembersAsStored: (query) => members(query, storedColumns, rows.STORED_MEMBER.fromValues),

    // Unnamed, so PostgreSQL plans for these values: a generic plan cannot tell rare prefixes.
    listPeople: async (query) => {
      const { sql, params } = people.peopleSql(dialect.name, query);
      const page = await x.table(dialect.name === 'postgres' ? numberedPlaceholders(sql) : sql, params);
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
    getGroup: (id) => first(x.one(SQL.getGroup, [id]), rows.GROUP.fromRow),
    findGroupByDisplayName: (name) =>
      first(x.one(SQL.findGroupByDisplayName, [groupNameKey(name)]), rows.GROUP.fromRow),
    findGroupByKind: (kind) => first(x.one(SQL.findGroupByKind, [kind]), rows.GROUP.fromRow),
    listGroups: (query) =>
      list(
        query,
        groupAttributes,
        'groups',
        rows.GROUP_COLUMNS,
        rows.GROUP.fromValues,
        groupListScope(query),
      ),

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

    saveMemberKeys: (memberKeys) => done(x.run(SQL.saveMemberKeys, rows.MEMBER_KEYS.values(memberKeys))),
    getMemberKeys: (memberId) => first(x.one(SQL.getMemberKeys, [memberId]), rows.MEMBER_KEYS.fromRow),
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
    addGroupKeyShares: async (shares) =>
      shares.length === 0 ? 0 : x.run(S.addGroupKeyShares, keys.sharesParams(dialect.name, shares)),
    listGroupKeySharesOfMember: (memberId) =>
      each(x.many(S.listGroupKeySharesOfMember, [memberId]), rows.MEMBER_KEY_SHARE.fromRow),
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
    insertVault: (vault) => done(x.run(S.insertVault, rows.VAULT.values(vault))),
    getVault: (id) => first(x.one(S.getVault, [id]), rows.VAULT.fromRow),
    findVaultByName: (name) => first(x.one(S.findVaultByName, [name]), rows.VAULT.fromRow),
    listVaults: (page) =>
      each(paged(S.listVaults, S.listVaultsAfter, page.afterId, page.limit), rows.VAULT.fromRow),
    saveVaultGrant: (grant) => done(x.run(S.saveVaultGrant, rows.VAULT_GRANT.values(grant))),
    deleteVaultGrant: (vaultId, groupId) => one(x.run(S.deleteVaultGrant, [vaultId, groupId])),
    listVaultGrants: (vaultId) => each(x.many(S.listVaultGrants, [vaultId]), rows.VAULT_GRANT.fromRow),
    listVaultsOnlyGrantedTo: (groupId) =>
      each(x.many(S.listVaultsOnlyGrantedTo, [groupId]), rows.VAULT.fromRow),
    listVaultGrantsOfGroups: async (groupIds) =>
      groupIds.length === 0
        ? []
        : each(x.many(S.listVaultGrantsOfGroups, [ids(groupIds)]), (row) => ({
            ...rows.VAULT_GRANT.fromRow(row),
            vaultName: row.vault_name as string,
          })),

    insertInvitation: (invitation) => done(x.run(SQL.insertInvitation, rows.INVITATION.values(invitation))),
    findInvitationByTokenHash: (hash) =>
      first(x.one(SQL.findInvitationByTokenHash, [hash]), rows.INVITATION.fromRow),
    listInvitations: (memberId) => each(x.many(SQL.listInvitations, [memberId]), rows.INVITATION.fromRow),
    revokeOpenInvitations: (memberId, at) => count(x.run(SQL.revokeOpenInvitations, [at, memberId])),
    markInvitationUsed: (id, at) => one(x.run(SQL.markInvitationUsed, [at, id])),
    saveMemberCredential: (credential) =>
      done(x.run(SQL.saveMemberCredential, rows.CREDENTIAL.values(credential))),
    getMemberCredential: (memberId) =>
      first(x.one(SQL.getMemberCredential, [memberId]), rows.CREDENTIAL.fromRow),
    insertMemberSession: (session) => done(x.run(SQL.insertMemberSession, rows.SESSION.values(session))),
    getMemberSession: (hash) => first(x.one(SQL.getMemberSession, [hash]), rows.SESSION.fromRow),
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

    getIntegration: () => first(x.one(SQL.getIntegration, []), rows.INTEGRATION.fromRow),
    saveIntegration: (integration) => done(x.run(SQL.saveIntegration, rows.INTEGRATION.values(integration))),

    insertApiChallenge: (challenge) =>
      done(x.run(SQL.insertApiChallenge, rows.API_CHALLENGE.values(challenge))),
    takeApiChallenge: (id) => first(x.one(SQL.takeApiChallenge, [id]), rows.API_CHALLENGE.fromRow),
    insertApiSession: (session) => done(x.run(SQL.insertApiSession, rows.API_SESSION.values(session))),
    getApiSession: (hash) => first(x.one(SQL.getApiSession, [hash]), rows.API_SESSION.fromRow),
    deleteApiSessions: () => count(x.run(SQL.deleteApiSessions, [])),
    purgeExpiredApiAuth: async (now) => {
      await x.run(SQL.purgeApiChallenges, [now]);
      await x.run(SQL.purgeApiSessions, [now]);
    },
    listFirewallRules: () => each(x.many(SQL.listFirewallRules, []), rows.FIREWALL_RULE.fromRow),
    insertFirewallRule: (rule) => done(x.run(SQL.insertFirewallRule, rows.firewallRuleValues(rule))),
    deleteFirewallRule: (id) => one(x.run(SQL.deleteFirewallRule, [id])),

    appendActivity: (entry) => done(x.run(SQL.appendActivity, rows.ACTIVITY.values(entry))),
    listActivity: (page) =>
      each(
        page.targetId === undefined
          ? paged(SQL.listActivity, SQL.listActivityBefore, page.before, page.limit)
          : page.before === undefined
            ? x.many(SQL.listActivityOfTarget, [page.targetId, page.limit])
            : x.many(SQL.listActivityOfTargetBefore, [page.targetId, page.before, page.limit]),
        rows.ACTIVITY.fromRow,
      ),

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

    enqueueMail: (message) => done(x.run(SQL.enqueueMail, rows.OUTBOX.values(message))),
    getMail: (id) => first(x.one(SQL.getMail, [id]), rows.OUTBOX.fromRow),
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

    insertMonitoringToken: (token) =>
      done(x.run(SQL.insertMonitoringToken, rows.MONITORING_TOKEN.values(token))),
    findMonitoringToken: (hash) =>
      first(x.one(SQL.findMonitoringToken, [hash]), rows.MONITORING_TOKEN.fromRow),
    listMonitoringTokens: () => each(x.many(SQL.listMonitoringTokens, []), rows.MONITORING_TOKEN.fromRow),
    deleteMonitoringToken: (id) => one(x.run(SQL.deleteMonitoringToken, [id])),
    listNotificationRecipients: () => each(x.many(SQL.listRecipients, []), (row) => row.email as string),
    // Callers that need the swap to be atomic run this inside a transaction.
    setNotificationRecipients: async (emails) => {
      await x.run(SQL.clearRecipients, []);
      for (const email of emails) await x.run(SQL.insertRecipient, [email]);
    },
    getBridgeHealth: (url) => first(x.one(S.getBridgeHealth, [url]), rows.BRIDGE_HEALTH.fromRow),
    saveBridgeHealth: (record) => done(x.run(SQL.saveBridgeHealth, rows.BRIDGE_HEALTH.values(record))),
    getMonitoringSwitch: async () => {
      const row = await x.one(SQL.getMonitoringSwitch, []);
      if (row === undefined) return { enabled: true, changedAt: null };
      return { enabled: Number(row.enabled) === 1, changedAt: row.changed_at as string };
    },
    setMonitoringSwitch: (enabled, changedAt) =>
      done(x.run(SQL.setMonitoringSwitch, [enabled ? 1 : 0, changedAt])),

    insertEmailChangeToken: (token) =>
      done(x.run(SQL.insertEmailChangeToken, rows.EMAIL_CHANGE_TOKEN.values(token))),
    getEmailChangeToken: (hash) =>
      first(x.one(SQL.getEmailChangeToken, [hash]), rows.EMAIL_CHANGE_TOKEN.fromRow),
    latestEmailChangeToken: (memberId) =>
      first(x.one(SQL.latestEmailChangeToken, [memberId]), rows.EMAIL_CHANGE_TOKEN.fromRow),
    useEmailChangeToken: (hash, usedAt) => one(x.run(SQL.useEmailChangeToken, [usedAt, hash])),
  };
}

const idOf = (row: Row): string => row.id as string;

const firstRow = (table: { names: readonly string[]; rows: unknown[][] }): Row | undefined =>
  table.rows[0] === undefined ? undefined : rowOf(table.names, table.rows[0]);

/** `?` placeholders as PostgreSQL's `$1, $2 …` (the generated people SQL has no other `?`). */
function numberedPlaceholders(sql: string): string {
  let position = 0;
  return sql.replace(/\?/g, () => `$${++position}`);
}
