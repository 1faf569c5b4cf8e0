/**
 * The embedded Store: one better-sqlite3 connection (synchronous, in-process), WAL journal.
 *
 * better-sqlite3 is synchronous, so a single statement can never interleave with another.
 * A transaction's `work` may await, though, and while it does the connection is inside
 * BEGIN … COMMIT: an async mutex makes every other top-level call wait until it ends.
 * Calls made inside the transaction (on `tx`, or on the store from within `work`) run at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  Account,
  ActivityEntry,
  ApiChallenge,
  ApiSession,
  BridgeHealthRecord,
  EmailChangeToken,
  FirewallRule,
  Group,
  GroupKey,
  GroupKeyShare,
  GroupMemberRef,
  Integration,
  Invitation,
  MailClaim,
  MailOutcome,
  MailState,
  MailTemplate,
  Member,
  MemberCredential,
  MemberKeys,
  MemberSession,
  MonitoringToken,
  OutboxMessage,
  Vault,
  VaultGrant,
} from '../../account/model.ts';
import {
  type GroupListQuery,
  type KeyedGroupRef,
  type ListQuery,
  type MemberKeyShare,
  type MemberListQuery,
  type MissingShare,
  type MissingShareQuery,
  type Page,
  type PendingMemberRow,
  type Store,
  type StoredMember,
  type StoreOps,
  UniqueViolation,
} from '../../account/store.ts';
import {
  ACCESS_SQL,
  apiChallengeFromRow,
  apiChallengeValues,
  apiSessionFromRow,
  apiSessionValues,
  firewallRuleFromRow,
  firewallRuleValues,
} from '../access-rows.ts';
import { groupAttributes, type ResourceAttributes, userAttributes } from '../attributes.ts';
import { sqliteDialect } from '../dialect.ts';
import {
  groupKeyFromRow,
  groupKeyValues,
  idsParam,
  keyChainSql,
  keyedGroupsFromRows,
  memberKeyShareFromRow,
  missingShareFromRow,
  pendingMemberFromRow,
  publicKeysFromRows,
  sharesParams,
  vaultFromRow,
  vaultGrantFromRow,
  vaultGrantValues,
  vaultValues,
} from '../key-chain-sql.ts';
import { groupListScope, ListPlanner, type ListScope, memberListScope } from '../list-query.ts';
import { migrations } from '../migrations.ts';
import {
  bridgeHealthFromRow,
  bridgeHealthValues,
  MONITORING_SQL,
  mailCountsFromRows,
  monitoringTokenFromRow,
  monitoringTokenValues,
} from '../monitoring-rows.ts';
import { routedOps } from '../routing.ts';
import {
  accountFromRow,
  accountValues,
  activityFromRow,
  activityValues,
  emailChangeTokenFromRow,
  emailChangeTokenValues,
  GROUP_COLUMNS,
  groupFromRow,
  groupValues,
  integrationFromRow,
  integrationValues,
  MEMBER_COLUMNS,
  mailOutcomeValues,
  memberFromRow,
  memberFromValues,
  memberKeysFromRow,
  memberKeyValues,
  memberValues,
  outboxFromRow,
  outboxValues,
  type Row,
  storedMemberFromValues,
  uniqueFieldOf,
} from '../rows.ts';
import {
  credentialFromRow,
  credentialValues,
  invitationFromRow,
  invitationValues,
  SIGNUP_SQL,
  sessionFromRow,
  sessionValues,
} from '../signup-rows.ts';
import { idLast, SQL } from '../statements.ts';

type Statement = Database.Statement<unknown[], Row>;

/** Statements prepared once per SQL text; filtered lists add one entry per query shape. */
const STATEMENT_CACHE_LIMIT = 2000;

const SQLITE_SQL = {
  addGroupMembers:
    'INSERT OR IGNORE INTO group_members (group_id, member_id) ' +
    'SELECT ?, m.id FROM json_each(?) j JOIN members m ON m.id = j.value',
  removeGroupMembers:
    'DELETE FROM group_members WHERE group_id = ? AND member_id IN (SELECT value FROM json_each(?))',
  filterGroupMembers:
    'SELECT member_id AS id FROM group_members WHERE group_id = ? AND member_id IN (SELECT value FROM json_each(?))',
  /**
   * The groups of a page of members in two steps: the memberships from the member index
   * alone, then each distinct group once. A join would look the same group (every member
   * is in Team Members) up again for every member of the page.
   */
  membershipsOfMembers:
    'SELECT member_id, group_id FROM group_members WHERE member_id IN (SELECT value FROM json_each(?))',
  /**
   * Ids are time-ordered (v7), so the members of a page in creation order (an IdP's sweep)
   * are neighbours in the member index: one range read instead of a seek per member. The
   * LIMIT tells when the range holds far more than the page (another order, a sparse page).
   */
  membershipsInRange:
    'SELECT member_id, group_id FROM group_members WHERE member_id >= ? AND member_id <= ? LIMIT ?',
  groupsByIds:
    'SELECT id, display_name, managed, seq FROM groups WHERE id IN (SELECT value FROM json_each(?))',
  /** One member (every single-user answer): no JSON to build or to scan; sorted here. */
  listGroupsOfMember:
    'SELECT gm.member_id, g.id, g.display_name, g.managed, g.seq FROM group_members gm JOIN groups g ON g.id = gm.group_id ' +
    'WHERE gm.member_id = ?',
  existingMemberIds:
    'SELECT id FROM members WHERE id IN (SELECT value FROM json_each(?)) AND scim_deleted = FALSE',
};

const KEY_CHAIN_SQL = keyChainSql('sqlite');

interface Query {
  statement: Database.Statement<unknown[], unknown[]>;
  names: string[];
}

function rowOf(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
  return row;
}

interface UpdateTarget {
  table: 'members' | 'groups';
  /** In the order of the row's values; the first is the id. */
  columns: readonly string[];
  select: string;
}

const columnList = (columns: string): string[] => columns.split(',').map((column) => column.trim());
const MEMBER_UPDATE: UpdateTarget = {
  table: 'members',
  columns: columnList(MEMBER_COLUMNS),
  select: SQL.getMember,
};
const GROUP_UPDATE: UpdateTarget = {
  table: 'groups',
  columns: columnList(GROUP_COLUMNS),
  select: SQL.getGroup,
};

class SqliteOps implements StoreOps {
  private readonly statements = new Map<string, Statement>();
  private readonly queries = new Map<string, Query>();
  private readonly planner = new ListPlanner(sqliteDialect);

  constructor(private readonly db: Database.Database) {}

  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      statement = this.db.prepare<unknown[], Row>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Queries return rows as arrays (`raw`), made into objects here: better-sqlite3 builds each
   * row object through one V8 API call per column, which costs twice as much as this loop,
   * and a page of 100 members is 2,000 columns.
   */
  private query(sql: string): Query {
    let query = this.queries.get(sql);
    if (!query) {
      if (this.queries.size >= STATEMENT_CACHE_LIMIT) this.queries.clear();
      const statement = this.db.prepare<unknown[], unknown[]>(sql).raw(true);
      query = { statement, names: statement.columns().map((column) => column.name) };
      this.queries.set(sql, query);
    }
    return query;
  }

  private get(sql: string, params: unknown[]): Row | undefined {
    const { statement, names } = this.query(sql);
    const values = statement.get(...params);
    return values && rowOf(names, values);
  }

  private all(sql: string, params: unknown[]): Row[] {
    const { statement, names } = this.query(sql);
    const rows = statement.all(...params);
    const objects: Row[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) objects[i] = rowOf(names, rows[i]!);
    return objects;
  }

  private run(sql: string, params: unknown[]): number {
    return this.statement(sql).run(...params).changes;
  }

  /** Writes, with unique-index failures turned into the domain's UniqueViolation. */
  private write(sql: string, params: unknown[]): number {
    try {
      return this.run(sql, params);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new UniqueViolation(uniqueFieldOf((error as Error).message));
      }
      throw error;
    }
  }

  async getAccount(): Promise<Account | undefined> {
    const row = this.get(SQL.getAccount, []);
    return row && accountFromRow(row);
  }

  async saveAccount(account: Account): Promise<void> {
    this.run(SQL.saveAccount, accountValues(account));
  }

  async insertMember(member: Member): Promise<void> {
    this.write(SQL.insertMember, bindAll(memberValues(member)));
  }

  async updateMember(member: Member, expectedVersion: number): Promise<boolean> {
    return this.updateChanged(MEMBER_UPDATE, bindAll(memberValues(member)), expectedVersion);
  }

  async getMember(id: string): Promise<Member | undefined> {
    const row = this.get(SQL.getMember, [id]);
    return row && memberFromRow(row);
  }

  async findMemberByEmail(email: string): Promise<Member | undefined> {
    const row = this.get(SQL.findMemberByEmail, [email]);
    return row && memberFromRow(row);
  }

  async findMemberByUserName(userName: string): Promise<Member | undefined> {
    const row = this.get(SQL.findMemberByUserName, [userName]);
    return row && memberFromRow(row);
  }

  async findMemberByExternalId(externalId: string): Promise<Member | undefined> {
    const row = this.get(SQL.findMemberByExternalId, [externalId]);
    return row && memberFromRow(row);
  }

  async listMembers(query: MemberListQuery): Promise<Page<Member>> {
    return this.list(
      query,
      userAttributes,
      'members',
      MEMBER_COLUMNS,
      memberFromValues,
      memberListScope(query),
    );
  }

  /** The same statement as `listMembers` (so a sweep shares its seek hints), read without parsing profiles. */
  async listMembersAsStored(query: MemberListQuery): Promise<Page<StoredMember>> {
    return this.list(
      query,
      userAttributes,
      'members',
      MEMBER_COLUMNS,
      storedMemberFromValues,
      memberListScope(query),
    );
  }

  async insertGroup(group: Group): Promise<void> {
    this.write(SQL.insertGroup, bindAll(groupValues(group)));
  }

  async updateGroup(group: Group, expectedVersion: number): Promise<boolean> {
    return this.updateChanged(GROUP_UPDATE, bindAll(groupValues(group)), expectedVersion);
  }

  /**
   * A version-checked update that sets only the columns whose value differs from the stored
   * row. SQLite rewrites the entry of every index whose column appears in the SET list, equal
   * value or not, so a full-row update of a member dirties five index pages besides the row
   * (each one more WAL frame at commit); deactivating a member needs just the row. Reading
   * the row first costs little: the use case has just read it, so its page is in the cache.
   */
  private updateChanged(target: UpdateTarget, values: unknown[], expectedVersion: number): boolean {
    const id = values[0];
    const current = this.get(target.select, [id]);
    if (current === undefined || current.version !== expectedVersion) return false;
    const changed: string[] = [];
    const params: unknown[] = [];
    for (let i = 1; i < values.length; i++) {
      const column = target.columns[i]!;
      if (current[column] !== values[i]) {
        changed.push(column);
        params.push(values[i]);
      }
    }
    if (changed.length === 0) return true;
    params.push(id, expectedVersion);
    const sql = `UPDATE ${target.table} SET ${changed.map((column) => `${column} = ?`).join(', ')} WHERE id = ? AND version = ?`;
    return this.write(sql, params) === 1;
  }

  async deleteGroup(id: string): Promise<boolean> {
    return this.run(SQL.deleteGroup, [id]) === 1;
  }

  async getGroup(id: string): Promise<Group | undefined> {
    const row = this.get(SQL.getGroup, [id]);
    return row && groupFromRow(row);
  }

  async findGroupByDisplayName(displayName: string): Promise<Group | undefined> {
    const row = this.get(SQL.findGroupByDisplayName, [displayName]);
    return row && groupFromRow(row);
  }

  async findGroupByKind(kind: Group['kind']): Promise<Group | undefined> {
    const row = this.get(SQL.findGroupByKind, [kind]);
    return row && groupFromRow(row);
  }

  async listGroups(query: GroupListQuery): Promise<Page<Group>> {
    return this.list(
      query,
      groupAttributes,
      'groups',
      GROUP_COLUMNS,
      (values, names) => groupFromRow(rowOf(names, values)),
      groupListScope(query),
    );
  }

  private list<T>(
    query: ListQuery,
    resource: ResourceAttributes,
    table: 'members' | 'groups',
    columns: string,
    /** Makes an item from a raw row (the columns in `columns` order, then the sort keys). */
    fromValues: (values: unknown[], names: readonly string[]) => T,
    scope: ListScope,
  ): Page<T> {
    const plan = this.planner.plan({
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
      const { statement, names } = this.query(plan.rows.sql);
      const rows = statement.all(...plan.rows.params);
      items = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) items[i] = fromValues(rows[i]!, names);
      if (rows.length > 0) last = rowOf(names, rows[rows.length - 1]!);
    }
    let total = plan.rows ? plan.totalFromPage(items.length) : undefined;
    if (total === undefined) {
      const totalRow =
        'counter' in plan.total
          ? this.get(SQL.readCounter, [plan.total.counter])
          : this.get(plan.total.sql, plan.total.params);
      total = Number(totalRow?.value ?? totalRow?.n ?? 0);
    }
    plan.remember(items.length, last);
    return { total, items };
  }

  async addGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number> {
    if (memberIds.length === 0) return 0;
    return this.run(SQLITE_SQL.addGroupMembers, [groupId, JSON.stringify(memberIds)]);
  }

  async removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number> {
    if (memberIds.length === 0) return 0;
    return this.run(SQLITE_SQL.removeGroupMembers, [groupId, JSON.stringify(memberIds)]);
  }

  async removeAllGroupMembers(groupId: string): Promise<number> {
    return this.run(SQL.removeAllGroupMembers, [groupId]);
  }

  async filterGroupMembers(groupId: string, memberIds: readonly string[]): Promise<string[]> {
    if (memberIds.length === 0) return [];
    return this.all(SQLITE_SQL.filterGroupMembers, [groupId, JSON.stringify(memberIds)]).map(
      (row) => row.id as string,
    );
  }

  async listGroupMembers(
    groupId: string,
    page: { afterMemberId?: string; limit: number },
  ): Promise<GroupMemberRef[]> {
    const rows =
      page.afterMemberId === undefined
        ? this.all(SQL.listGroupMembers, [groupId, page.limit])
        : this.all(SQL.listGroupMembersAfter, [groupId, page.afterMemberId, page.limit]);
    return rows as unknown as GroupMemberRef[];
  }

  async countGroupMembers(groupId: string): Promise<number> {
    return Number(this.get(SQL.countGroupMembers, [groupId])?.n ?? 0);
  }

  async listGroupsOfMembers(memberIds: readonly string[]): Promise<Map<string, MemberGroup[]>> {
    const groups = new Map<string, MemberGroup[]>();
    if (memberIds.length === 0) return groups;
    if (memberIds.length === 1) {
      const rows = this.all(SQLITE_SQL.listGroupsOfMember, [memberIds[0]]);
      if (rows.length > 0) groups.set(memberIds[0]!, inCreationOrder(rows));
      return groups;
    }
    const memberships = this.membershipsOf(memberIds);
    if (memberships.length === 0) return groups;
    const groupIds = [...new Set(memberships.map((row) => row.group_id as string))];
    const byId = new Map<string, Row>();
    for (const row of this.all(SQLITE_SQL.groupsByIds, [JSON.stringify(groupIds)])) {
      byId.set(row.id as string, row);
    }
    const rowsByMember = new Map<string, Row[]>();
    for (const membership of memberships) {
      const group = byId.get(membership.group_id as string);
      if (group === undefined) continue;
      const memberId = membership.member_id as string;
      let rows = rowsByMember.get(memberId);
      if (!rows) {
        rows = [];
        rowsByMember.set(memberId, rows);
      }
      rows.push(group);
    }
    for (const memberId of [...rowsByMember.keys()].sort()) {
      groups.set(memberId, inCreationOrder(rowsByMember.get(memberId)!));
    }
    return groups;
  }

  private membershipsOf(memberIds: readonly string[]): Row[] {
    let first = memberIds[0]!;
    let last = first;
    for (const id of memberIds) {
      // JavaScript orders strings by UTF-16 units, SQLite by UTF-8 bytes: the same for ASCII only.
      if (NOT_ASCII.test(id)) return this.all(SQLITE_SQL.membershipsOfMembers, [JSON.stringify(memberIds)]);
      if (id < first) first = id;
      else if (id > last) last = id;
    }
    const cap = memberIds.length * RANGE_ROWS_PER_MEMBER;
    const inRange = this.all(SQLITE_SQL.membershipsInRange, [first, last, cap]);
    if (inRange.length < cap) {
      const wanted = new Set(memberIds);
      return inRange.filter((row) => wanted.has(row.member_id as string));
    }
    return this.all(SQLITE_SQL.membershipsOfMembers, [JSON.stringify(memberIds)]);
  }

  async existingMemberIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.all(SQLITE_SQL.existingMemberIds, [JSON.stringify(ids)]).map((row) => row.id as string);
  }

  async saveMemberKeys(keys: MemberKeys): Promise<void> {
    this.write(SQL.saveMemberKeys, memberKeyValues(keys));
  }

  async getMemberKeys(memberId: string): Promise<MemberKeys | undefined> {
    const row = this.get(SQL.getMemberKeys, [memberId]);
    return row && memberKeysFromRow(row);
  }

  async getMemberPublicKeys(memberIds: readonly string[]): Promise<Map<string, string>> {
    if (memberIds.length === 0) return new Map();
    return publicKeysFromRows(this.all(KEY_CHAIN_SQL.memberPublicKeys, [idsParam('sqlite', memberIds)]));
  }

  // The key chain (migration 4).

  async getGroupKeys(groupIds: readonly string[]): Promise<GroupKey[]> {
    if (groupIds.length === 0) return [];
    return this.all(KEY_CHAIN_SQL.getGroupKeys, [idsParam('sqlite', groupIds)]).map(groupKeyFromRow);
  }

  async insertGroupKey(key: GroupKey): Promise<boolean> {
    return this.run(KEY_CHAIN_SQL.insertGroupKey, groupKeyValues(key)) === 1;
  }

  async listProvisioningGroupKeys(page: { afterGroupId?: string; limit: number }): Promise<GroupKey[]> {
    const rows =
      page.afterGroupId === undefined
        ? this.all(KEY_CHAIN_SQL.listProvisioningGroupKeys, [page.limit])
        : this.all(KEY_CHAIN_SQL.listProvisioningGroupKeysAfter, [page.afterGroupId, page.limit]);
    return rows.map(groupKeyFromRow);
  }

  async replaceProvisioningSeal(groupId: string, publicKey: string, sealed: string): Promise<boolean> {
    return this.run(KEY_CHAIN_SQL.replaceProvisioningSeal, [sealed, groupId, publicKey]) === 1;
  }

  async addGroupKeyShares(shares: readonly GroupKeyShare[]): Promise<number> {
    if (shares.length === 0) return 0;
    return this.run(KEY_CHAIN_SQL.addGroupKeyShares, sharesParams('sqlite', shares));
  }

  async listGroupKeySharesOfMember(memberId: string): Promise<MemberKeyShare[]> {
    return this.all(KEY_CHAIN_SQL.listGroupKeySharesOfMember, [memberId]).map(memberKeyShareFromRow);
  }

  async listPendingMembers(page: { afterMemberId?: string; limit: number }): Promise<PendingMemberRow[]> {
    const rows =
      page.afterMemberId === undefined
        ? this.all(KEY_CHAIN_SQL.listPendingMembers, [page.limit])
        : this.all(KEY_CHAIN_SQL.listPendingMembersAfter, [page.afterMemberId, page.limit]);
    return rows.map(pendingMemberFromRow);
  }

  async listKeyedGroupsOfMembers(memberIds: readonly string[]): Promise<Map<string, KeyedGroupRef[]>> {
    if (memberIds.length === 0) return new Map();
    return keyedGroupsFromRows(
      this.all(KEY_CHAIN_SQL.listKeyedGroupsOfMembers, [idsParam('sqlite', memberIds)]),
    );
  }

  async findMissingKeyShares(query: MissingShareQuery): Promise<MissingShare[]> {
    let rows: Row[];
    if ('groupId' in query) {
      if (query.memberIds.length === 0) return [];
      rows = this.all(KEY_CHAIN_SQL.missingSharesOfGroup, [
        query.groupId,
        idsParam('sqlite', query.memberIds),
      ]);
    } else if (query.after === undefined) {
      rows = this.all(KEY_CHAIN_SQL.missingSharesSweep, [query.limit]);
    } else {
      rows = this.all(KEY_CHAIN_SQL.missingSharesSweepAfter, [
        query.after.memberId,
        query.after.groupId,
        query.limit,
      ]);
    }
    return rows.map(missingShareFromRow);
  }

  async readCounter(name: 'sign_ups'): Promise<number> {
    return Number(this.get(SQL.readCounter, [name])?.value ?? 0);
  }

  async insertVault(vault: Vault): Promise<void> {
    this.write(KEY_CHAIN_SQL.insertVault, vaultValues(vault));
  }

  async getVault(id: string): Promise<Vault | undefined> {
    const row = this.get(KEY_CHAIN_SQL.getVault, [id]);
    return row && vaultFromRow(row);
  }

  async findVaultByName(name: string): Promise<Vault | undefined> {
    const row = this.get(KEY_CHAIN_SQL.findVaultByName, [name]);
    return row && vaultFromRow(row);
  }

  async listVaults(page: { afterId?: string; limit: number }): Promise<Vault[]> {
    const rows =
      page.afterId === undefined
        ? this.all(KEY_CHAIN_SQL.listVaults, [page.limit])
        : this.all(KEY_CHAIN_SQL.listVaultsAfter, [page.afterId, page.limit]);
    return rows.map(vaultFromRow);
  }

  async saveVaultGrant(grant: VaultGrant): Promise<void> {
    this.run(KEY_CHAIN_SQL.saveVaultGrant, vaultGrantValues(grant));
  }

  async listVaultGrants(vaultId: string): Promise<VaultGrant[]> {
    return this.all(KEY_CHAIN_SQL.listVaultGrants, [vaultId]).map(vaultGrantFromRow);
  }

  async listVaultsOnlyGrantedTo(groupId: string): Promise<Vault[]> {
    return this.all(KEY_CHAIN_SQL.listVaultsOnlyGrantedTo, [groupId]).map(vaultFromRow);
  }

  async listVaultGrantsOfGroups(
    groupIds: readonly string[],
  ): Promise<Array<VaultGrant & { vaultName: string }>> {
    if (groupIds.length === 0) return [];
    return this.all(KEY_CHAIN_SQL.listVaultGrantsOfGroups, [idsParam('sqlite', groupIds)]).map((row) => ({
      ...vaultGrantFromRow(row),
      vaultName: row.vault_name as string,
    }));
  }

  async insertInvitation(invitation: Invitation): Promise<void> {
    this.write(SIGNUP_SQL.insertInvitation, invitationValues(invitation));
  }

  async findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const row = this.get(SIGNUP_SQL.findInvitationByTokenHash, [tokenHash]);
    return row && invitationFromRow(row);
  }

  async listInvitations(memberId: string): Promise<Invitation[]> {
    return this.all(SIGNUP_SQL.listInvitations, [memberId]).map(invitationFromRow);
  }

  async revokeOpenInvitations(memberId: string, at: string): Promise<number> {
    return this.run(SIGNUP_SQL.revokeOpenInvitations, [at, memberId]);
  }

  async markInvitationUsed(id: string, at: string): Promise<boolean> {
    return this.run(SIGNUP_SQL.markInvitationUsed, [at, id]) === 1;
  }

  async saveMemberCredential(credential: MemberCredential): Promise<void> {
    this.write(SIGNUP_SQL.saveMemberCredential, credentialValues(credential));
  }

  async getMemberCredential(memberId: string): Promise<MemberCredential | undefined> {
    const row = this.get(SIGNUP_SQL.getMemberCredential, [memberId]);
    return row && credentialFromRow(row);
  }

  async insertMemberSession(session: MemberSession): Promise<void> {
    this.write(SIGNUP_SQL.insertMemberSession, sessionValues(session));
  }

  async getMemberSession(tokenHash: string): Promise<MemberSession | undefined> {
    const row = this.get(SIGNUP_SQL.getMemberSession, [tokenHash]);
    return row && sessionFromRow(row);
  }

  async deleteMemberSession(tokenHash: string): Promise<boolean> {
    return this.run(SIGNUP_SQL.deleteMemberSession, [tokenHash]) === 1;
  }

  async deleteExpiredMemberSessions(now: string): Promise<number> {
    return this.run(SIGNUP_SQL.deleteExpiredMemberSessions, [now]);
  }

  async transferMemberSignup(fromMemberId: string, toMemberId: string): Promise<void> {
    this.run(SIGNUP_SQL.transferMemberKeys, [toMemberId, fromMemberId]);
    this.run(SIGNUP_SQL.transferMemberCredential, [toMemberId, fromMemberId]);
    this.run(SIGNUP_SQL.deleteSessionsOfMember, [fromMemberId]);
  }

  async ensureAccountSecret(name: string, candidate: string): Promise<string> {
    this.run(SIGNUP_SQL.insertAccountSecret, [name, candidate]);
    return this.get(SIGNUP_SQL.getAccountSecret, [name])!.value as string;
  }

  async getIntegration(): Promise<Integration | undefined> {
    const row = this.get(SQL.getIntegration, []);
    return row && integrationFromRow(row);
  }

  async saveIntegration(integration: Integration): Promise<void> {
    this.run(SQL.saveIntegration, integrationValues(integration));
  }

  async insertApiChallenge(challenge: ApiChallenge): Promise<void> {
    this.write(ACCESS_SQL.insertApiChallenge, apiChallengeValues(challenge));
  }

  async takeApiChallenge(id: string): Promise<ApiChallenge | undefined> {
    const row = this.get(ACCESS_SQL.takeApiChallenge, [id]);
    return row && apiChallengeFromRow(row);
  }

  async insertApiSession(session: ApiSession): Promise<void> {
    this.write(ACCESS_SQL.insertApiSession, apiSessionValues(session));
  }

  async getApiSession(tokenHash: string): Promise<ApiSession | undefined> {
    const row = this.get(ACCESS_SQL.getApiSession, [tokenHash]);
    return row && apiSessionFromRow(row);
  }

  async deleteApiSessions(): Promise<number> {
    return this.run(ACCESS_SQL.deleteApiSessions, []);
  }

  async purgeExpiredApiAuth(now: string): Promise<void> {
    this.run(ACCESS_SQL.purgeApiChallenges, [now]);
    this.run(ACCESS_SQL.purgeApiSessions, [now]);
  }

  async listFirewallRules(): Promise<FirewallRule[]> {
    return this.all(ACCESS_SQL.listFirewallRules, []).map(firewallRuleFromRow);
  }

  async insertFirewallRule(rule: FirewallRule): Promise<void> {
    this.write(ACCESS_SQL.insertFirewallRule, firewallRuleValues(rule));
  }

  async deleteFirewallRule(id: string): Promise<boolean> {
    return this.run(ACCESS_SQL.deleteFirewallRule, [id]) === 1;
  }

  async appendActivity(entry: ActivityEntry): Promise<void> {
    this.write(SQL.appendActivity, activityValues(entry));
  }

  async listActivity(page: { limit: number; before?: string }): Promise<ActivityEntry[]> {
    const rows =
      page.before === undefined
        ? this.all(SQL.listActivity, [page.limit])
        : this.all(SQL.listActivityBefore, [page.before, page.limit]);
    return rows.map(activityFromRow);
  }

  async enqueueMail(message: OutboxMessage): Promise<void> {
    this.write(SQL.enqueueMail, outboxValues(message));
  }

  async getMail(id: string): Promise<OutboxMessage | undefined> {
    const row = this.get(SQL.getMail, [id]);
    return row && outboxFromRow(row);
  }

  async listMail(page: { limit: number; state?: MailState }): Promise<OutboxMessage[]> {
    const rows =
      page.state === undefined
        ? this.all(SQL.listMail, [page.limit])
        : this.all(SQL.listMailInState, [page.state, page.limit]);
    return rows.map(outboxFromRow);
  }

  async updateMail(message: OutboxMessage): Promise<void> {
    this.run(SQL.updateMail, idLast(outboxValues(message)));
  }

  async countMailByState(): Promise<Record<MailState, number>> {
    return mailCountsFromRows(this.all(MONITORING_SQL.countMailByState, []));
  }

  async insertMonitoringToken(token: MonitoringToken): Promise<void> {
    this.write(MONITORING_SQL.insertMonitoringToken, monitoringTokenValues(token));
  }

  async findMonitoringToken(tokenHash: string): Promise<MonitoringToken | undefined> {
    const row = this.get(MONITORING_SQL.findMonitoringToken, [tokenHash]);
    return row && monitoringTokenFromRow(row);
  }

  async listMonitoringTokens(): Promise<MonitoringToken[]> {
    return this.all(MONITORING_SQL.listMonitoringTokens, []).map(monitoringTokenFromRow);
  }

  async deleteMonitoringToken(id: string): Promise<boolean> {
    return this.run(MONITORING_SQL.deleteMonitoringToken, [id]) === 1;
  }

  async listNotificationRecipients(): Promise<string[]> {
    return this.all(MONITORING_SQL.listRecipients, []).map((row) => row.email as string);
  }

  /** Callers that need the swap to be atomic run this inside a transaction. */
  async setNotificationRecipients(emails: readonly string[]): Promise<void> {
    this.run(MONITORING_SQL.clearRecipients, []);
    for (const email of emails) this.write(MONITORING_SQL.insertRecipient, [email]);
  }

  async getBridgeHealth(bridgeUrl: string): Promise<BridgeHealthRecord | undefined> {
    const row = this.get(MONITORING_SQL.getBridgeHealth, [bridgeUrl]);
    return row && bridgeHealthFromRow(row);
  }

  async saveBridgeHealth(record: BridgeHealthRecord): Promise<void> {
    this.run(MONITORING_SQL.saveBridgeHealth, bridgeHealthValues(record));
  }
  async claimDueMail(now: string, claim: MailClaim, limit: number): Promise<OutboxMessage[]> {
    // One UPDATE … RETURNING takes the database's write lock: a sender in another process
    // on the same file waits for it and then sees the claim.
    const rows = this.all(SQL.claimDueMail, [claim.claimId, claim.until, now, now, limit]);
    return rows.map(outboxFromRow).sort(dueOrder);
  }

  async finishMail(id: string, claimId: string, outcome: MailOutcome): Promise<boolean> {
    return this.run(SQL.finishMail, mailOutcomeValues(id, claimId, outcome)) === 1;
  }

  async dropQueuedMail(memberId: string, template: MailTemplate, reason: string): Promise<number> {
    return this.run(
      "UPDATE outbox SET state = 'failed', last_error = ?, data = json_remove(data, '$.link'), " +
        'claim_id = NULL, claimed_until = NULL ' +
        "WHERE state = 'queued' AND template = ? AND json_extract(data, '$.memberId') = ?",
      [reason, template, memberId],
    );
  }

  async insertEmailChangeToken(token: EmailChangeToken): Promise<void> {
    this.write(SQL.insertEmailChangeToken, emailChangeTokenValues(token));
  }

  async getEmailChangeToken(tokenHash: string): Promise<EmailChangeToken | undefined> {
    const row = this.get(SQL.getEmailChangeToken, [tokenHash]);
    return row && emailChangeTokenFromRow(row);
  }

  async latestEmailChangeToken(memberId: string): Promise<EmailChangeToken | undefined> {
    const row = this.get(SQL.latestEmailChangeToken, [memberId]);
    return row && emailChangeTokenFromRow(row);
  }

  async useEmailChangeToken(tokenHash: string, usedAt: string): Promise<boolean> {
    return this.run(SQL.useEmailChangeToken, [usedAt, tokenHash]) === 1;
  }
}

/** RETURNING gives rows in no promised order; senders work oldest due first. */
function dueOrder(a: OutboxMessage, b: OutboxMessage): number {
  return a.nextAttemptAt < b.nextAttemptAt
    ? -1
    : a.nextAttemptAt > b.nextAttemptAt
      ? 1
      : a.id < b.id
        ? -1
        : a.id > b.id
          ? 1
          : 0;
}

type MemberGroup = { id: string; displayName: string; managed: boolean };

/** Memberships read per member asked for, at most, before a range read gives way to seeks. */
const RANGE_ROWS_PER_MEMBER = 8;
// Any UTF-16 unit above 0x7f (the same as [^\x00-\x7f], without a control character in the pattern).
const NOT_ASCII = /[\u0080-\uffff]/;

/** A member's groups in the order they were created (`seq`), as both stores list them. */
function inCreationOrder(rows: Row[]): MemberGroup[] {
  if (rows.length > 1) rows.sort((a, b) => (a.seq as number) - (b.seq as number));
  return rows.map((row) => ({
    id: row.id as string,
    displayName: row.display_name as string,
    managed: row.managed === 1,
  }));
}

/** SQLite binds no booleans: true/false become 1/0 (in place; the arrays are fresh). */
function bindAll(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'boolean') values[i] = value ? 1 : 0;
  }
  return values;
}

/** A FIFO async mutex: held for the whole of a transaction. */
class Mutex {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  get locked(): boolean {
    return this.held;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

interface TransactionContext {
  open: boolean;
}

/**
 * Transactions that finish within one turn of the event loop share one COMMIT (group commit).
 * A COMMIT writes every page the transaction dirtied to the WAL, and concurrent writes dirty
 * many of the same pages (index tails, the counters, the activity log's last page), so
 * sharing it saves most of the cost of each. Durability is unchanged: nobody hears that a
 * write succeeded, or sees what it wrote, before its COMMIT is done.
 */
class Batch {
  /** Transactions that completed in it, waiting for the COMMIT. */
  members = 0;
  outcome: { committed: true } | { committed: false; error: unknown } | undefined;
  private readonly waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  /** Resolves once the batch is committed; rejects if it never will be. */
  committed(): Promise<void> {
    const outcome = this.outcome;
    if (outcome) return outcome.committed ? Promise.resolve() : Promise.reject(outcome.error);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  settle(outcome: NonNullable<Batch['outcome']>): void {
    this.outcome = outcome;
    for (const waiter of this.waiting.splice(0)) {
      if (outcome.committed) waiter.resolve();
      else waiter.reject(outcome.error);
    }
  }
}

/** Transactions per COMMIT at most, so that no request waits long for others. */
const BATCH_LIMIT = 32;

function createStore(db: Database.Database): Store {
  const ops = new SqliteOps(db);
  const mutex = new Mutex();
  const context = new AsyncLocalStorage<TransactionContext>();
  /** The open (begun, not yet committed) batch; its transactions wait for the COMMIT. */
  let open: Batch | undefined;
  let commitQueued = false;

  /** Commits the open batch; the caller holds the mutex (no transaction's work is running). */
  function commitOpen(): void {
    const batch = open;
    if (batch === undefined) return;
    open = undefined;
    try {
      ops.statement('COMMIT').run();
    } catch (error) {
      if (db.inTransaction) ops.statement('ROLLBACK').run();
      batch.settle({ committed: false, error });
      return;
    }
    batch.settle({ committed: true });
  }

  /** SQLite rolled the whole transaction back by itself (e.g. disk full): the batch is lost. */
  function abandonOpen(cause: unknown): void {
    const batch = open;
    if (batch === undefined) return;
    open = undefined;
    batch.settle({
      committed: false,
      error: new Error('the database rolled back a transaction; nothing of it was written', { cause }),
    });
  }

  /** After this turn of the event loop, so that the transactions it brings can join first. */
  function queueCommit(): void {
    if (commitQueued) return;
    commitQueued = true;
    setImmediate(() => {
      commitQueued = false;
      void mutex.acquire().then(() => {
        try {
          commitOpen();
        } finally {
          mutex.release();
        }
      });
    });
  }

  /**
   * A call from outside any transaction runs at once when no transaction's work is running
   * (inside the open batch, if there is one: it is one statement, atomic by itself), and its
   * result is handed out only once that batch is committed.
   */
  async function outside(run: () => Promise<unknown>): Promise<unknown> {
    const pending = run();
    const batch = open;
    const result = await pending;
    if (batch !== undefined) await batch.committed();
    return result;
  }

  const routed = routedOps(
    () => ops,
    async (run) => {
      if (context.getStore()?.open) return run();
      if (!mutex.locked) return outside(run);
      await mutex.acquire();
      try {
        // The statement runs synchronously in here; waiting for the COMMIT needs no mutex.
        return outside(run);
      } finally {
        mutex.release();
      }
    },
  );

  async function transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    // Nested calls (from inside `work`) join the open transaction.
    if (context.getStore()?.open) return work(ops);
    await mutex.acquire();
    const current: TransactionContext = { open: true };
    let batch: Batch;
    let result: T;
    try {
      // The first transaction of a batch begins it; later ones run inside a savepoint, so
      // that a failing one takes back its own writes and nobody else's.
      const joining = open !== undefined;
      if (!joining) {
        ops.statement('BEGIN IMMEDIATE').run();
        open = new Batch();
        queueCommit();
      } else {
        ops.statement('SAVEPOINT batch_member').run();
      }
      batch = open!;
      try {
        result = await context.run(current, () => work(ops));
        if (joining) ops.statement('RELEASE batch_member').run();
      } catch (error) {
        if (!db.inTransaction) abandonOpen(error);
        else if (joining) {
          ops.statement('ROLLBACK TO batch_member').run();
          ops.statement('RELEASE batch_member').run();
        } else {
          ops.statement('ROLLBACK').run();
          open = undefined;
        }
        throw error;
      }
      batch.members++;
      const committed = batch.committed();
      if (batch.members >= BATCH_LIMIT) commitOpen();
      current.open = false;
      mutex.release();
      await committed;
      return result;
    } finally {
      if (current.open) {
        current.open = false;
        mutex.release();
      }
    }
  }

  async function close(): Promise<void> {
    await mutex.acquire();
    try {
      commitOpen();
      if (db.open) db.close();
    } finally {
      mutex.release();
    }
  }

  return { ...routed, dialect: 'sqlite', transaction, close };
}

function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock first, so two processes opening one file apply each
    // migration once: the second re-reads the version list after the first commits.
    db.exec('BEGIN IMMEDIATE');
    try {
      const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (!applied) {
        db.exec(migration.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          new Date().toISOString(),
        );
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** Opens (creating if needed) the SQLite database at `path` (or ':memory:') and migrates it. */
export async function openSqliteStore(opts: { path: string }): Promise<Store> {
  const inMemory = opts.path === ':memory:' || opts.path === '';
  if (!inMemory) mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // A bounded page cache (32 MiB) and no memory-mapped reads: a mapped file counts in the
    // process's resident memory page by page as it is read, so a sweep over a large
    // database would grow RSS by the size of the file. Pages that fall out of this cache are
    // still in the operating system's file cache, and keyset paging reads each page once.
    db.pragma('cache_size = -32768');
    db.pragma('mmap_size = 0');
    // Checkpoint every 4,000 WAL frames (16 MiB) rather than every 1,000: the pages that every
    // write touches (index tails, counters, the activity log's last page) are copied to the
    // database file once per checkpoint, so fewer checkpoints copy and fsync less. Durability
    // is unchanged: a committed transaction is in the WAL either way.
    db.pragma('wal_autocheckpoint = 4000');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return createStore(db);
}
