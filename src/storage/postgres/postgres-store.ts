/**
 * The PostgreSQL Store: a pg Pool, stateless between requests, so several account servers
 * can share one database. Totals come from the `counters` table kept by triggers, so they
 * stay right whichever server wrote. A transaction holds one pooled client for its whole
 * `work`; calls made inside it — on `tx`, or on the store from within `work` — use that client.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
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
import { postgresDialect } from '../dialect.ts';
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
  memberKeysFromRow,
  memberKeyValues,
  memberValues,
  outboxFromRow,
  outboxValues,
  type Row,
  storedMemberFromRow,
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
import { claimDueMailSql, idLast, SQL } from '../statements.ts';

type Client = pg.Pool | pg.PoolClient;

/** `MEMBER_COLUMNS` with the jsonb profile rendered as text, which pg leaves unparsed. */
const STORED_MEMBER_COLUMNS = MEMBER_COLUMNS.replace(/\bprofile\b/, 'profile::text AS profile');

const PG_SQL = {
  addGroupMembers:
    'INSERT INTO group_members (group_id, member_id) SELECT DISTINCT $1::text, m.id FROM unnest($2::text[]) AS u(id) ' +
    'JOIN members m ON m.id = u.id ON CONFLICT DO NOTHING',
  removeGroupMembers: 'DELETE FROM group_members WHERE group_id = $1 AND member_id = ANY($2::text[])',
  filterGroupMembers:
    'SELECT member_id AS id FROM group_members WHERE group_id = $1 AND member_id = ANY($2::text[])',
  listGroupsOfMembers:
    'SELECT gm.member_id, g.id, g.display_name, g.managed FROM group_members gm JOIN groups g ON g.id = gm.group_id ' +
    'WHERE gm.member_id = ANY($1::text[]) ORDER BY gm.member_id, g.seq',
  existingMemberIds: 'SELECT id FROM members WHERE id = ANY($1::text[]) AND scim_deleted = FALSE',
  claimDueMail: claimDueMailSql(' FOR UPDATE SKIP LOCKED'),
};

const KEY_CHAIN_SQL = keyChainSql('postgres');

/** Rewrites the shared `?` placeholders to `$1…$n`. */
function numbered(sql: string): string {
  let position = 0;
  return sql.replace(/\?/g, () => `$${++position}`);
}

/**
 * Fixed statements run as named prepared statements (parsed once per connection).
 * Generated list queries stay unnamed: their shapes are open-ended.
 */
class StatementNames {
  private readonly names = new Map<string, { name: string; text: string }>();
  named(sql: string): { name: string; text: string } {
    let entry = this.names.get(sql);
    if (!entry) {
      entry = { name: `scimbridge_${this.names.size + 1}`, text: sql.includes('?') ? numbered(sql) : sql };
      this.names.set(sql, entry);
    }
    return entry;
  }
}

interface Shared {
  names: StatementNames;
  planner: ListPlanner;
}

class PostgresOps implements StoreOps {
  constructor(
    private readonly client: Client,
    private readonly shared: Shared,
  ) {}

  private async query(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    const { name, text } = this.shared.names.named(sql);
    try {
      return await this.client.query<Row>({ name, text, values });
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === '23505') throw new UniqueViolation(uniqueFieldOf(constraint ?? ''));
      throw error;
    }
  }

  private async get(sql: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.query(sql, values)).rows[0];
  }

  private async all(sql: string, values: unknown[]): Promise<Row[]> {
    return (await this.query(sql, values)).rows;
  }

  private async run(sql: string, values: unknown[]): Promise<number> {
    return (await this.query(sql, values)).rowCount ?? 0;
  }

  async getAccount(): Promise<Account | undefined> {
    const row = await this.get(SQL.getAccount, []);
    return row && accountFromRow(row);
  }

  async saveAccount(account: Account): Promise<void> {
    await this.run(SQL.saveAccount, accountValues(account));
  }

  async insertMember(member: Member): Promise<void> {
    await this.run(SQL.insertMember, memberValues(member));
  }

  async updateMember(member: Member, expectedVersion: number): Promise<boolean> {
    const values = idLast(memberValues(member));
    values.push(expectedVersion);
    return (await this.run(SQL.updateMember, values)) === 1;
  }

  async getMember(id: string): Promise<Member | undefined> {
    const row = await this.get(SQL.getMember, [id]);
    return row && memberFromRow(row);
  }

  async findMemberByEmail(email: string): Promise<Member | undefined> {
    const row = await this.get(SQL.findMemberByEmail, [email]);
    return row && memberFromRow(row);
  }

  async findMemberByUserName(userName: string): Promise<Member | undefined> {
    const row = await this.get(SQL.findMemberByUserName, [userName]);
    return row && memberFromRow(row);
  }

  async findMemberByExternalId(externalId: string): Promise<Member | undefined> {
    const row = await this.get(SQL.findMemberByExternalId, [externalId]);
    return row && memberFromRow(row);
  }

  listMembers(query: MemberListQuery): Promise<Page<Member>> {
    return this.list(query, userAttributes, 'members', MEMBER_COLUMNS, memberFromRow, memberListScope(query));
  }

  /** jsonb cast to text by the database: the driver then hands the profile over unparsed. */
  listMembersAsStored(query: MemberListQuery): Promise<Page<StoredMember>> {
    return this.list(
      query,
      userAttributes,
      'members',
      STORED_MEMBER_COLUMNS,
      storedMemberFromRow,
      memberListScope(query),
    );
  }

  async insertGroup(group: Group): Promise<void> {
    await this.run(SQL.insertGroup, groupValues(group));
  }

  async updateGroup(group: Group, expectedVersion: number): Promise<boolean> {
    const values = idLast(groupValues(group));
    values.push(expectedVersion);
    return (await this.run(SQL.updateGroup, values)) === 1;
  }

  async deleteGroup(id: string): Promise<boolean> {
    return (await this.run(SQL.deleteGroup, [id])) === 1;
  }

  async getGroup(id: string): Promise<Group | undefined> {
    const row = await this.get(SQL.getGroup, [id]);
    return row && groupFromRow(row);
  }

  async findGroupByDisplayName(displayName: string): Promise<Group | undefined> {
    const row = await this.get(SQL.findGroupByDisplayName, [displayName]);
    return row && groupFromRow(row);
  }

  async findGroupByKind(kind: Group['kind']): Promise<Group | undefined> {
    const row = await this.get(SQL.findGroupByKind, [kind]);
    return row && groupFromRow(row);
  }

  listGroups(query: GroupListQuery): Promise<Page<Group>> {
    return this.list(query, groupAttributes, 'groups', GROUP_COLUMNS, groupFromRow, groupListScope(query));
  }

  private async list<T>(
    query: ListQuery,
    resource: ResourceAttributes,
    table: 'members' | 'groups',
    columns: string,
    fromRow: (row: Row) => T,
    scope: ListScope,
  ): Promise<Page<T>> {
    const plan = this.shared.planner.plan({
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
    const rows = plan.rows ? (await this.client.query<Row>(plan.rows.sql, plan.rows.params)).rows : [];
    let total = plan.rows ? plan.totalFromPage(rows.length) : undefined;
    if (total === undefined) {
      const totalRow =
        'counter' in plan.total
          ? await this.get(SQL.readCounter, [plan.total.counter])
          : (await this.client.query<Row>(plan.total.sql, plan.total.params)).rows[0];
      total = Number(totalRow?.value ?? totalRow?.n ?? 0);
    }
    plan.remember(rows.length, rows[rows.length - 1]);
    return { total, items: rows.map(fromRow) };
  }

  async addGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number> {
    if (memberIds.length === 0) return 0;
    return this.run(PG_SQL.addGroupMembers, [groupId, memberIds]);
  }

  async removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number> {
    if (memberIds.length === 0) return 0;
    return this.run(PG_SQL.removeGroupMembers, [groupId, memberIds]);
  }

  removeAllGroupMembers(groupId: string): Promise<number> {
    return this.run(SQL.removeAllGroupMembers, [groupId]);
  }

  async filterGroupMembers(groupId: string, memberIds: readonly string[]): Promise<string[]> {
    if (memberIds.length === 0) return [];
    return (await this.all(PG_SQL.filterGroupMembers, [groupId, memberIds])).map((row) => row.id as string);
  }

  async listGroupMembers(
    groupId: string,
    page: { afterMemberId?: string; limit: number },
  ): Promise<GroupMemberRef[]> {
    const rows =
      page.afterMemberId === undefined
        ? await this.all(SQL.listGroupMembers, [groupId, page.limit])
        : await this.all(SQL.listGroupMembersAfter, [groupId, page.afterMemberId, page.limit]);
    return rows as unknown as GroupMemberRef[];
  }

  async countGroupMembers(groupId: string): Promise<number> {
    return Number((await this.get(SQL.countGroupMembers, [groupId]))?.n ?? 0);
  }

  async listGroupsOfMembers(
    memberIds: readonly string[],
  ): Promise<Map<string, Array<{ id: string; displayName: string; managed: boolean }>>> {
    const groups = new Map<string, Array<{ id: string; displayName: string; managed: boolean }>>();
    if (memberIds.length === 0) return groups;
    for (const row of await this.all(PG_SQL.listGroupsOfMembers, [memberIds])) {
      const memberId = row.member_id as string;
      let list = groups.get(memberId);
      if (!list) {
        list = [];
        groups.set(memberId, list);
      }
      list.push({
        id: row.id as string,
        displayName: row.display_name as string,
        managed: row.managed === true,
      });
    }
    return groups;
  }

  async existingMemberIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await this.all(PG_SQL.existingMemberIds, [ids])).map((row) => row.id as string);
  }

  async saveMemberKeys(keys: MemberKeys): Promise<void> {
    await this.run(SQL.saveMemberKeys, memberKeyValues(keys));
  }

  async getMemberKeys(memberId: string): Promise<MemberKeys | undefined> {
    const row = await this.get(SQL.getMemberKeys, [memberId]);
    return row && memberKeysFromRow(row);
  }

  async getMemberPublicKeys(memberIds: readonly string[]): Promise<Map<string, string>> {
    if (memberIds.length === 0) return new Map();
    return publicKeysFromRows(
      await this.all(KEY_CHAIN_SQL.memberPublicKeys, [idsParam('postgres', memberIds)]),
    );
  }

  // The key chain (migration 4).

  async getGroupKeys(groupIds: readonly string[]): Promise<GroupKey[]> {
    if (groupIds.length === 0) return [];
    return (await this.all(KEY_CHAIN_SQL.getGroupKeys, [idsParam('postgres', groupIds)])).map(
      groupKeyFromRow,
    );
  }

  async insertGroupKey(key: GroupKey): Promise<boolean> {
    return (await this.run(KEY_CHAIN_SQL.insertGroupKey, groupKeyValues(key))) === 1;
  }

  async listProvisioningGroupKeys(page: { afterGroupId?: string; limit: number }): Promise<GroupKey[]> {
    const rows =
      page.afterGroupId === undefined
        ? await this.all(KEY_CHAIN_SQL.listProvisioningGroupKeys, [page.limit])
        : await this.all(KEY_CHAIN_SQL.listProvisioningGroupKeysAfter, [page.afterGroupId, page.limit]);
    return rows.map(groupKeyFromRow);
  }

  async replaceProvisioningSeal(groupId: string, publicKey: string, sealed: string): Promise<boolean> {
    return (await this.run(KEY_CHAIN_SQL.replaceProvisioningSeal, [sealed, groupId, publicKey])) === 1;
  }

  async addGroupKeyShares(shares: readonly GroupKeyShare[]): Promise<number> {
    if (shares.length === 0) return 0;
    return this.run(KEY_CHAIN_SQL.addGroupKeyShares, sharesParams('postgres', shares));
  }

  async listGroupKeySharesOfMember(memberId: string): Promise<MemberKeyShare[]> {
    return (await this.all(KEY_CHAIN_SQL.listGroupKeySharesOfMember, [memberId])).map(memberKeyShareFromRow);
  }

  async listPendingMembers(page: { afterMemberId?: string; limit: number }): Promise<PendingMemberRow[]> {
    const rows =
      page.afterMemberId === undefined
        ? await this.all(KEY_CHAIN_SQL.listPendingMembers, [page.limit])
        : await this.all(KEY_CHAIN_SQL.listPendingMembersAfter, [page.afterMemberId, page.limit]);
    return rows.map(pendingMemberFromRow);
  }

  async listKeyedGroupsOfMembers(memberIds: readonly string[]): Promise<Map<string, KeyedGroupRef[]>> {
    if (memberIds.length === 0) return new Map();
    return keyedGroupsFromRows(
      await this.all(KEY_CHAIN_SQL.listKeyedGroupsOfMembers, [idsParam('postgres', memberIds)]),
    );
  }

  async findMissingKeyShares(query: MissingShareQuery): Promise<MissingShare[]> {
    let rows: Row[];
    if ('groupId' in query) {
      if (query.memberIds.length === 0) return [];
      rows = await this.all(KEY_CHAIN_SQL.missingSharesOfGroup, [
        query.groupId,
        idsParam('postgres', query.memberIds),
      ]);
    } else if (query.after === undefined) {
      rows = await this.all(KEY_CHAIN_SQL.missingSharesSweep, [query.limit]);
    } else {
      rows = await this.all(KEY_CHAIN_SQL.missingSharesSweepAfter, [
        query.after.memberId,
        query.after.groupId,
        query.limit,
      ]);
    }
    return rows.map(missingShareFromRow);
  }

  async readCounter(name: 'sign_ups'): Promise<number> {
    return Number((await this.get(SQL.readCounter, [name]))?.value ?? 0);
  }

  async insertVault(vault: Vault): Promise<void> {
    await this.run(KEY_CHAIN_SQL.insertVault, vaultValues(vault));
  }

  async getVault(id: string): Promise<Vault | undefined> {
    const row = await this.get(KEY_CHAIN_SQL.getVault, [id]);
    return row && vaultFromRow(row);
  }

  async findVaultByName(name: string): Promise<Vault | undefined> {
    const row = await this.get(KEY_CHAIN_SQL.findVaultByName, [name]);
    return row && vaultFromRow(row);
  }

  async listVaults(page: { afterId?: string; limit: number }): Promise<Vault[]> {
    const rows =
      page.afterId === undefined
        ? await this.all(KEY_CHAIN_SQL.listVaults, [page.limit])
        : await this.all(KEY_CHAIN_SQL.listVaultsAfter, [page.afterId, page.limit]);
    return rows.map(vaultFromRow);
  }

  async saveVaultGrant(grant: VaultGrant): Promise<void> {
    await this.run(KEY_CHAIN_SQL.saveVaultGrant, vaultGrantValues(grant));
  }

  async listVaultGrants(vaultId: string): Promise<VaultGrant[]> {
    return (await this.all(KEY_CHAIN_SQL.listVaultGrants, [vaultId])).map(vaultGrantFromRow);
  }

  async listVaultsOnlyGrantedTo(groupId: string): Promise<Vault[]> {
    return (await this.all(KEY_CHAIN_SQL.listVaultsOnlyGrantedTo, [groupId])).map(vaultFromRow);
  }

  async listVaultGrantsOfGroups(
    groupIds: readonly string[],
  ): Promise<Array<VaultGrant & { vaultName: string }>> {
    if (groupIds.length === 0) return [];
    return (await this.all(KEY_CHAIN_SQL.listVaultGrantsOfGroups, [idsParam('postgres', groupIds)])).map(
      (row) => ({
        ...vaultGrantFromRow(row),
        vaultName: row.vault_name as string,
      }),
    );
  }

  async insertInvitation(invitation: Invitation): Promise<void> {
    await this.run(SIGNUP_SQL.insertInvitation, invitationValues(invitation));
  }

  async findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const row = await this.get(SIGNUP_SQL.findInvitationByTokenHash, [tokenHash]);
    return row && invitationFromRow(row);
  }

  async listInvitations(memberId: string): Promise<Invitation[]> {
    return (await this.all(SIGNUP_SQL.listInvitations, [memberId])).map(invitationFromRow);
  }

  async revokeOpenInvitations(memberId: string, at: string): Promise<number> {
    return await this.run(SIGNUP_SQL.revokeOpenInvitations, [at, memberId]);
  }

  async markInvitationUsed(id: string, at: string): Promise<boolean> {
    return (await this.run(SIGNUP_SQL.markInvitationUsed, [at, id])) === 1;
  }

  async saveMemberCredential(credential: MemberCredential): Promise<void> {
    await this.run(SIGNUP_SQL.saveMemberCredential, credentialValues(credential));
  }

  async getMemberCredential(memberId: string): Promise<MemberCredential | undefined> {
    const row = await this.get(SIGNUP_SQL.getMemberCredential, [memberId]);
    return row && credentialFromRow(row);
  }

  async insertMemberSession(session: MemberSession): Promise<void> {
    await this.run(SIGNUP_SQL.insertMemberSession, sessionValues(session));
  }

  async getMemberSession(tokenHash: string): Promise<MemberSession | undefined> {
    const row = await this.get(SIGNUP_SQL.getMemberSession, [tokenHash]);
    return row && sessionFromRow(row);
  }

  async deleteMemberSession(tokenHash: string): Promise<boolean> {
    return (await this.run(SIGNUP_SQL.deleteMemberSession, [tokenHash])) === 1;
  }

  async deleteExpiredMemberSessions(now: string): Promise<number> {
    return await this.run(SIGNUP_SQL.deleteExpiredMemberSessions, [now]);
  }

  async transferMemberSignup(fromMemberId: string, toMemberId: string): Promise<void> {
    await this.run(SIGNUP_SQL.transferMemberKeys, [toMemberId, fromMemberId]);
    await this.run(SIGNUP_SQL.transferMemberCredential, [toMemberId, fromMemberId]);
    await this.run(SIGNUP_SQL.deleteSessionsOfMember, [fromMemberId]);
  }

  async ensureAccountSecret(name: string, candidate: string): Promise<string> {
    await this.run(SIGNUP_SQL.insertAccountSecret, [name, candidate]);
    return (await this.get(SIGNUP_SQL.getAccountSecret, [name]))!.value as string;
  }

  async getIntegration(): Promise<Integration | undefined> {
    const row = await this.get(SQL.getIntegration, []);
    return row && integrationFromRow(row);
  }

  async saveIntegration(integration: Integration): Promise<void> {
    await this.run(SQL.saveIntegration, integrationValues(integration));
  }

  async insertApiChallenge(challenge: ApiChallenge): Promise<void> {
    await this.run(ACCESS_SQL.insertApiChallenge, apiChallengeValues(challenge));
  }

  async takeApiChallenge(id: string): Promise<ApiChallenge | undefined> {
    const row = await this.get(ACCESS_SQL.takeApiChallenge, [id]);
    return row && apiChallengeFromRow(row);
  }

  async insertApiSession(session: ApiSession): Promise<void> {
    await this.run(ACCESS_SQL.insertApiSession, apiSessionValues(session));
  }

  async getApiSession(tokenHash: string): Promise<ApiSession | undefined> {
    const row = await this.get(ACCESS_SQL.getApiSession, [tokenHash]);
    return row && apiSessionFromRow(row);
  }

  async deleteApiSessions(): Promise<number> {
    return this.run(ACCESS_SQL.deleteApiSessions, []);
  }

  async purgeExpiredApiAuth(now: string): Promise<void> {
    await this.run(ACCESS_SQL.purgeApiChallenges, [now]);
    await this.run(ACCESS_SQL.purgeApiSessions, [now]);
  }

  async listFirewallRules(): Promise<FirewallRule[]> {
    return (await this.all(ACCESS_SQL.listFirewallRules, [])).map(firewallRuleFromRow);
  }

  async insertFirewallRule(rule: FirewallRule): Promise<void> {
    await this.run(ACCESS_SQL.insertFirewallRule, firewallRuleValues(rule));
  }

  async deleteFirewallRule(id: string): Promise<boolean> {
    return (await this.run(ACCESS_SQL.deleteFirewallRule, [id])) === 1;
  }

  async appendActivity(entry: ActivityEntry): Promise<void> {
    await this.run(SQL.appendActivity, activityValues(entry));
  }

  async listActivity(page: { limit: number; before?: string }): Promise<ActivityEntry[]> {
    const rows =
      page.before === undefined
        ? await this.all(SQL.listActivity, [page.limit])
        : await this.all(SQL.listActivityBefore, [page.before, page.limit]);
    return rows.map(activityFromRow);
  }

  async enqueueMail(message: OutboxMessage): Promise<void> {
    await this.run(SQL.enqueueMail, outboxValues(message));
  }

  async getMail(id: string): Promise<OutboxMessage | undefined> {
    const row = await this.get(SQL.getMail, [id]);
    return row && outboxFromRow(row);
  }

  async listMail(page: { limit: number; state?: MailState }): Promise<OutboxMessage[]> {
    const rows =
      page.state === undefined
        ? await this.all(SQL.listMail, [page.limit])
        : await this.all(SQL.listMailInState, [page.state, page.limit]);
    return rows.map(outboxFromRow);
  }

  async updateMail(message: OutboxMessage): Promise<void> {
    await this.run(SQL.updateMail, idLast(outboxValues(message)));
  }

  async countMailByState(): Promise<Record<MailState, number>> {
    return mailCountsFromRows(await this.all(MONITORING_SQL.countMailByState, []));
  }

  async insertMonitoringToken(token: MonitoringToken): Promise<void> {
    await this.run(MONITORING_SQL.insertMonitoringToken, monitoringTokenValues(token));
  }

  async findMonitoringToken(tokenHash: string): Promise<MonitoringToken | undefined> {
    const row = await this.get(MONITORING_SQL.findMonitoringToken, [tokenHash]);
    return row && monitoringTokenFromRow(row);
  }

  async listMonitoringTokens(): Promise<MonitoringToken[]> {
    return (await this.all(MONITORING_SQL.listMonitoringTokens, [])).map(monitoringTokenFromRow);
  }

  async deleteMonitoringToken(id: string): Promise<boolean> {
    return (await this.run(MONITORING_SQL.deleteMonitoringToken, [id])) === 1;
  }

  async listNotificationRecipients(): Promise<string[]> {
    return (await this.all(MONITORING_SQL.listRecipients, [])).map((row) => row.email as string);
  }

  /** Callers that need the swap to be atomic run this inside a transaction. */
  async setNotificationRecipients(emails: readonly string[]): Promise<void> {
    await this.run(MONITORING_SQL.clearRecipients, []);
    for (const email of emails) await this.run(MONITORING_SQL.insertRecipient, [email]);
  }

  async getBridgeHealth(bridgeUrl: string): Promise<BridgeHealthRecord | undefined> {
    // Locked until the transaction ends: two account servers checking the same bridge
    // update its row one after the other, so neither loses the other's count or sends a
    // second notice.
    const row = await this.get(`${MONITORING_SQL.getBridgeHealth} FOR UPDATE`, [bridgeUrl]);
    return row && bridgeHealthFromRow(row);
  }

  async saveBridgeHealth(record: BridgeHealthRecord): Promise<void> {
    await this.run(MONITORING_SQL.saveBridgeHealth, bridgeHealthValues(record));
  }
  async claimDueMail(now: string, claim: MailClaim, limit: number): Promise<OutboxMessage[]> {
    // SKIP LOCKED: a sender never waits for rows another sender is claiming right now, and
    // the re-check of the WHERE clause after a concurrent commit keeps a claim exclusive.
    const rows = await this.all(PG_SQL.claimDueMail, [claim.claimId, claim.until, now, now, limit]);
    return rows.map(outboxFromRow).sort(dueOrder);
  }

  async finishMail(id: string, claimId: string, outcome: MailOutcome): Promise<boolean> {
    return (await this.run(SQL.finishMail, mailOutcomeValues(id, claimId, outcome))) === 1;
  }

  async dropQueuedMail(memberId: string, template: MailTemplate, reason: string): Promise<number> {
    return await this.run(
      "UPDATE outbox SET state = 'failed', last_error = $1, data = data - 'link', " +
        'claim_id = NULL, claimed_until = NULL ' +
        "WHERE state = 'queued' AND template = $2 AND data->>'memberId' = $3",
      [reason, template, memberId],
    );
  }

  async insertEmailChangeToken(token: EmailChangeToken): Promise<void> {
    await this.run(SQL.insertEmailChangeToken, emailChangeTokenValues(token));
  }

  async getEmailChangeToken(tokenHash: string): Promise<EmailChangeToken | undefined> {
    const row = await this.get(SQL.getEmailChangeToken, [tokenHash]);
    return row && emailChangeTokenFromRow(row);
  }

  async latestEmailChangeToken(memberId: string): Promise<EmailChangeToken | undefined> {
    const row = await this.get(SQL.latestEmailChangeToken, [memberId]);
    return row && emailChangeTokenFromRow(row);
  }

  async useEmailChangeToken(tokenHash: string, usedAt: string): Promise<boolean> {
    return (await this.run(SQL.useEmailChangeToken, [usedAt, tokenHash])) === 1;
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

interface TransactionContext {
  open: boolean;
  ops: PostgresOps;
}

/** One key for every scimbridge migration run on a database, whatever the schema. */
const MIGRATION_LOCK = "hashtext('scimbridge.migrations')";

async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    // Several servers may start at once: the advisory lock lets one migrate while the
    // others wait, then they find the versions recorded and do nothing.
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.postgres);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, new Date().toISOString()],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  } finally {
    client.release();
  }
}

/**
 * Opens a pool on `connectionString` and migrates. With `schema`, every pooled connection
 * uses it (created when missing) through its search_path — how tests get a private database.
 */
export async function openPostgresStore(opts: {
  connectionString: string;
  schema?: string;
  poolSize?: number;
}): Promise<Store> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) {
    throw new Error(`schema must be a lower-case SQL identifier, got ${JSON.stringify(opts.schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  try {
    await migrate(pool, opts.schema);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const shared: Shared = { names: new StatementNames(), planner: new ListPlanner(postgresDialect) };
  const poolOps = new PostgresOps(pool, shared);
  const context = new AsyncLocalStorage<TransactionContext>();
  const routed = routedOps(() => {
    const current = context.getStore();
    return current?.open ? current.ops : poolOps;
  });

  async function transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    const outer = context.getStore();
    if (outer?.open) return work(outer.ops);
    const client = await pool.connect();
    const current: TransactionContext = { open: true, ops: new PostgresOps(client, shared) };
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await context.run(current, () => work(current.ops));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      current.open = false;
      client.release(broken);
    }
  }

  return {
    ...routed,
    dialect: 'postgres',
    transaction,
    close: () => pool.end(),
  };
}
