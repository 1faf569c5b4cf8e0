/** Persistence port of the account domain; each method is atomic, several writes together go in `transaction`. */

import type { AttrPath, Filter } from '../scim/filter/ast.ts';
import type { MemberView } from './client.ts';
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
  GroupKind,
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
  MemberState,
  MonitoringToken,
  NewActivityEntry,
  OutboxMessage,
  ScimRequestEntry,
  ScimRequestRecord,
  Vault,
  VaultGrant,
  VaultPermission,
} from './model.ts';

export interface ListQuery {
  /** Compiled to parameterised SQL over an attribute whitelist; unknown attributes are refused. */
  filter?: Filter;
  /** 1-based, as in SCIM (RFC 7644 §3.4.2.4). */
  startIndex: number;
  /** 0 asks for the total only. */
  count: number;
  sortBy?: AttrPath;
  descending?: boolean;
}

export interface Page<T> {
  /** Matches of the whole query, not just this page. */
  total: number;
  items: T[];
}

/**
 * A listed member as SCIM shows it (the fields of the client's `MemberView`), its profile left
 * as the stored JSON text: the account API and the bridge splice it into their answers without
 * a parse and encode, and a page reads seven columns fewer.
 */
export type StoredMember = Omit<MemberView, 'profile'> & { profileJson: string };

export interface MemberListQuery extends ListQuery {
  /** Leave out members deleted through SCIM (they are 404 to the IdP). */
  excludeScimDeleted?: boolean;
}

export interface GroupListQuery extends ListQuery {
  managedOnly?: boolean;
}

export interface GroupsOfMembersOptions {
  /** Only the groups the IdP manages (every member is also in the built-in Team Members). */
  managedOnly?: boolean;
}

/** The administrators' people list (issue 11): keyset pages in lower-cased e-mail order. */
export interface PeopleQuery {
  /** Prefix of the e-mail, display name, given or family name, compared case-insensitively. */
  search?: string;
  state?: MemberState;
  managed?: boolean;
  after?: string;
  limit: number;
}

export interface PeoplePage {
  members: Member[];
  /** Null on the last page. */
  nextAfter: string | null;
}

export interface KeyedGroupRef {
  groupId: string;
  displayName: string;
  kind: GroupKind;
  managed: boolean;
  key: GroupKey | undefined;
}

export interface PendingMemberRow {
  member: Member;
  /** Null when the member has no key pair (they cannot be confirmed). */
  publicKey: string | null;
}

export type MissingShareQuery =
  | { groupId: string; memberIds: readonly string[] }
  | { after?: { memberId: string; groupId: string }; limit: number };

export interface MissingShare {
  groupId: string;
  memberId: string;
  memberPublicKey: string;
}

export interface MemberKeyShare {
  groupId: string;
  displayName: string;
  groupPublicKey: string;
  sealedPrivateKey: string;
}

export interface AccountStore {
  getAccount(): Promise<Account | undefined>;
  saveAccount(account: Account): Promise<void>;
  /** Transaction-scoped lock so servers starting together set the account up once (no-op on SQLite). */
  lockAccountSetup(): Promise<void>;
}

export interface MemberStore {
  /** Throws `UniqueViolation` when userName or email is taken (case-insensitively). */
  insertMember(member: Member): Promise<void>;
  /**
   * Optimistic concurrency: caller sets version = expectedVersion + 1; false on mismatch or missing row.
   * `previous`, the member as read at `expectedVersion`, spares a store that writes only changed
   * columns a second read of the row.
   */
  updateMember(member: Member, expectedVersion: number, previous?: Member): Promise<boolean>;
  getMember(id: string): Promise<Member | undefined>;
  findMemberByEmail(email: string): Promise<Member | undefined>;
  findMemberByUserName(userName: string): Promise<Member | undefined>;
  /** Both lookups of a create in one query: the member with this userName, and the one with this address. */
  findMembersByUserNameOrEmail(
    userName: string,
    email: string,
  ): Promise<{ byUserName: Member | undefined; byEmail: Member | undefined }>;
  findMemberByExternalId(externalId: string): Promise<Member | undefined>;
  listMembers(query: MemberListQuery): Promise<Page<Member>>;
  listMembersAsStored(query: MemberListQuery): Promise<Page<StoredMember>>;
  /** Includes members deleted through SCIM. */
  listPeople(query: PeopleQuery): Promise<PeoplePage>;
  countMembersByState(): Promise<Record<MemberState, number>>;
  /** Cascades to everything hanging off the member except sent/failed mail and activity; run in a transaction. */
  deleteMember(id: string): Promise<boolean>;
}

export interface GroupStore {
  /** Throws `UniqueViolation` when displayName is taken (case-insensitively). */
  insertGroup(group: Group): Promise<void>;
  updateGroup(group: Group, expectedVersion: number): Promise<boolean>;
  deleteGroup(id: string): Promise<boolean>;
  getGroup(id: string): Promise<Group | undefined>;
  findGroupByDisplayName(displayName: string): Promise<Group | undefined>;
  findGroupByKind(kind: Group['kind']): Promise<Group | undefined>;
  listGroups(query: GroupListQuery): Promise<Page<Group>>;

  /** Cost grows with `memberIds.length`, never with the group's size. */
  addGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
  removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
  removeAllGroupMembers(groupId: string): Promise<number>;
  filterGroupMembers(groupId: string, memberIds: readonly string[]): Promise<string[]>;
  listGroupMembers(
    groupId: string,
    page: { afterMemberId?: string; limit: number },
  ): Promise<GroupMemberRef[]>;
  countGroupMembers(groupId: string): Promise<number>;
  /** A page of members' groups in creation order; `managedOnly`: those SCIM shows (its read-only `groups`). */
  listGroupsOfMembers(
    memberIds: readonly string[],
    options?: GroupsOfMembersOptions,
  ): Promise<Map<string, Array<{ id: string; displayName: string; managed: boolean }>>>;
  /** Excludes members deleted through SCIM. */
  existingMemberIds(ids: readonly string[]): Promise<string[]>;

  /**
   * (P20) A new integration: the managed custom groups stop being managed, each bumped a
   * version, and remember `integrationId` (the old one) until transferred; returns how many.
   */
  releaseManagedGroups(integrationId: string, at: string): Promise<number>;
  /** (P20) The groups released by previous integrations, by name, with their member counts. */
  listPreviousIntegrationGroups(): Promise<PreviousIntegrationGroup[]>;
  /** (P20) All of them become managed again, each bumped a version, and lose their mark; returns them by name. */
  transferPreviousIntegrationGroups(at: string): Promise<Group[]>;
  /** (P20) One group no longer waits for a transfer (an administrator decided about it); true when it did. */
  forgetPreviousIntegration(groupId: string): Promise<boolean>;
}

export interface PreviousIntegrationGroup {
  group: Group;
  memberCount: number;
  /** The integration that managed it. */
  integrationId: string;
}

/** The key chain (DESIGN.md): member keys, group keys, their shares with members, vaults and grants. */
export interface KeyChainStore {
  saveMemberKeys(keys: MemberKeys): Promise<void>;
  getMemberKeys(memberId: string): Promise<MemberKeys | undefined>;
  getMemberPublicKeys(memberIds: readonly string[]): Promise<Map<string, string>>;

  getGroupKeys(groupIds: readonly string[]): Promise<GroupKey[]>;
  /** First key pair wins; true when inserted. */
  insertGroupKey(key: GroupKey): Promise<boolean>;
  listProvisioningGroupKeys(page: { afterGroupId?: string; limit: number }): Promise<GroupKey[]>;
  /** Only while the group still has `publicKey` and a seal, and the bridge may hold its key (Team Members, managed groups). */
  replaceProvisioningSeal(
    groupId: string,
    publicKey: string,
    sealedForProvisioning: string,
  ): Promise<boolean>;
  /** As `replaceProvisioningSeal`, also where there is no seal (an administrator gives the key back). */
  giveProvisioningSeal(groupId: string, publicKey: string, sealedForProvisioning: string): Promise<boolean>;
  /** Drops the group key's seal for the bridge; true when there was one. */
  withdrawProvisioningSeal(groupId: string): Promise<boolean>;
  /** A share lives only as long as its membership (FK cascade); cost grows with `shares.length` only. */
  addGroupKeyShares(shares: readonly GroupKeyShare[]): Promise<number>;
  countGroupKeyShares(groupId: string): Promise<number>;
  listGroupKeySharesOfMember(memberId: string): Promise<MemberKeyShare[]>;
  listPendingMembers(page: { afterMemberId?: string; limit: number }): Promise<PendingMemberRow[]>;
  listKeyedGroupsOfMembers(memberIds: readonly string[]): Promise<Map<string, KeyedGroupRef[]>>;
  /** Active members with a public key, in provisioning-sealed groups the bridge may hold, lacking a share. */
  findMissingKeyShares(query: MissingShareQuery): Promise<MissingShare[]>;
  /** A counter kept by triggers; `sign_ups` grows by one whenever a member becomes pending. */
  readCounter(name: 'sign_ups'): Promise<number>;
  /** Throws `UniqueViolation` when the name is taken (case-insensitively). */
  insertVault(vault: Vault): Promise<void>;
  getVault(id: string): Promise<Vault | undefined>;
  findVaultByName(name: string): Promise<Vault | undefined>;
  listVaults(page: { afterId?: string; limit: number }): Promise<Vault[]>;
  saveVaultGrant(grant: VaultGrant): Promise<void>;
  listVaultGrants(vaultId: string): Promise<VaultGrant[]>;
  /** The vault's grants, locked until the transaction ends: two permission changes cannot both drop the last manager. */
  lockVaultGrants(vaultId: string): Promise<VaultGrant[]>;
  /** Every grant of every vault `groupId` opens, locked the same way (deleting a group). */
  lockGrantsOfVaultsOpenedBy(groupId: string): Promise<VaultGrant[]>;
  /** False when there is no such grant. */
  setVaultGrantPermission(vaultId: string, groupId: string, permission: VaultPermission): Promise<boolean>;
  deleteVaultGrant(vaultId: string, groupId: string): Promise<boolean>;
  /** Vaults that no group but `groupId` can open (deleting that group would lose them). */
  listVaultsOnlyGrantedTo(groupId: string): Promise<Vault[]>;
  listVaultGrantsOfGroups(groupIds: readonly string[]): Promise<Array<VaultGrant & { vaultName: string }>>;
}

export interface SignUpStore {
  insertInvitation(invitation: Invitation): Promise<void>;
  findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  /** Newest first. */
  listInvitations(memberId: string): Promise<Invitation[]>;
  revokeOpenInvitations(memberId: string, at: string): Promise<number>;
  /** Single use: false when already used or revoked. */
  markInvitationUsed(id: string, at: string): Promise<boolean>;

  saveMemberCredential(credential: MemberCredential): Promise<void>;
  getMemberCredential(memberId: string): Promise<MemberCredential | undefined>;
  insertMemberSession(session: MemberSession): Promise<void>;
  getMemberSession(tokenHash: string): Promise<MemberSession | undefined>;
  deleteMemberSession(tokenHash: string): Promise<boolean>;
  /** Never shortens a session. */
  extendMemberSession(tokenHash: string, expiresAt: string): Promise<boolean>;
  deleteSessionsOfMember(memberId: string): Promise<number>;
  deleteExpiredMemberSessions(now: string): Promise<number>;
  /** (P15) When an id passes to a new person, the previous person's keys go with them. */
  transferMemberSignup(fromMemberId: string, toMemberId: string): Promise<void>;
  /** Racing callers get the same value. */
  ensureAccountSecret(name: string, candidate: string): Promise<string>;
}

export interface AccessStore {
  getIntegration(): Promise<Integration | undefined>;
  saveIntegration(integration: Integration): Promise<void>;

  insertApiChallenge(challenge: ApiChallenge): Promise<void>;
  /** A challenge can be answered once. */
  takeApiChallenge(id: string): Promise<ApiChallenge | undefined>;
  insertApiSession(session: ApiSession): Promise<void>;
  getApiSession(tokenHash: string): Promise<ApiSession | undefined>;
  deleteApiSessions(): Promise<number>;
  purgeExpiredApiAuth(now: string): Promise<void>;

  /** Firewall rules for the bridge's connection (P4), oldest first. */
  listFirewallRules(): Promise<FirewallRule[]>;
  /** Throws `UniqueViolation('id')` when a rule for the same range (or the network list) exists. */
  insertFirewallRule(rule: FirewallRule): Promise<void>;
  deleteFirewallRule(id: string): Promise<boolean>;
}

export interface ActivityStore {
  appendActivity(entry: NewActivityEntry): Promise<void>;
  /** Newest first, each filter narrowing the page; `before` is the id of an entry already shown. */
  listActivity(page: ActivityQuery): Promise<ActivityEntry[]>;
}

export interface ActivityQuery {
  limit: number;
  before?: string;
  /** Only the entries about that member, group or other target. */
  targetId?: string;
  /** Only the entries of that action (activity-actions.ts). */
  action?: string;
}

export interface ScimRequestQuery {
  limit: number;
  /** Ids are decimal numbers, newest first. */
  before?: string;
  idp?: string;
  outcome?: 'ok' | 'failed';
  resourceType?: string;
  /** ISO-8601 instants: at or after `from`, before `to`. */
  from?: string;
  to?: string;
}

/** The SCIM request log (migration 12), bounded by count and age. */
export interface ScimRequestStore {
  /** Ids grow in the order written. */
  appendScimRequests(records: readonly ScimRequestRecord[]): Promise<void>;
  /** Newest first. */
  listScimRequests(query: ScimRequestQuery): Promise<ScimRequestEntry[]>;
  getScimRequest(id: string): Promise<ScimRequestEntry | undefined>;
  /** Deletes entries from before `olderThan` and all but about the newest `keep`; returns how many. */
  pruneScimRequests(limits: { olderThan: string; keep: number }): Promise<number>;
}

export interface MailStore {
  enqueueMail(message: OutboxMessage): Promise<void>;
  getMail(id: string): Promise<OutboxMessage | undefined>;
  /** Newest first. */
  listMail(page: { limit: number; state?: MailState }): Promise<OutboxMessage[]>;
  updateMail(message: OutboxMessage): Promise<void>;
  countMailByState(): Promise<Record<MailState, number>>;
  /** One atomic statement: two senders never get the same message while a claim holds. */
  claimDueMail(now: string, claim: MailClaim, limit: number): Promise<OutboxMessage[]>;
  /** Writes only if `claimId` still holds the message; false when the claim was lost. */
  finishMail(id: string, claimId: string, outcome: MailOutcome): Promise<boolean>;
  /** For queued mail whose link no longer works: marks it failed and drops the link. */
  dropQueuedMail(memberId: string, template: MailTemplate, reason: string): Promise<number>;
}

export interface MonitoringStore {
  insertMonitoringToken(token: MonitoringToken): Promise<void>;
  findMonitoringToken(tokenHash: string): Promise<MonitoringToken | undefined>;
  /** Oldest first. */
  listMonitoringTokens(): Promise<MonitoringToken[]>;
  deleteMonitoringToken(id: string): Promise<boolean>;
  listNotificationRecipients(): Promise<string[]>;
  setNotificationRecipients(emails: readonly string[]): Promise<void>;
  getBridgeHealth(bridgeUrl: string): Promise<BridgeHealthRecord | undefined>;
  saveBridgeHealth(record: BridgeHealthRecord): Promise<void>;
  /** Never set reads as on. */
  getMonitoringSwitch(): Promise<{ enabled: boolean; changedAt: string | null }>;
  setMonitoringSwitch(enabled: boolean, changedAt: string): Promise<void>;
}

/** Pending e-mail changes (P13). */
export interface EmailChangeStore {
  insertEmailChangeToken(token: EmailChangeToken): Promise<void>;
  getEmailChangeToken(tokenHash: string): Promise<EmailChangeToken | undefined>;
  latestEmailChangeToken(memberId: string): Promise<EmailChangeToken | undefined>;
  /** Single use: false when already used. */
  useEmailChangeToken(tokenHash: string, usedAt: string): Promise<boolean>;
}

/** Everything the store can do; inside `transaction` the same methods run on one connection. */
export interface StoreOps
  extends AccountStore,
    MemberStore,
    GroupStore,
    KeyChainStore,
    SignUpStore,
    AccessStore,
    ActivityStore,
    ScimRequestStore,
    MailStore,
    MonitoringStore,
    EmailChangeStore {}

export interface Store extends StoreOps {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Work must use the `tx` it is given, and open no transaction of its own: the store's own
   * methods wait for the transaction to end (on SQLite, forever). Nothing tracks the caller
   * across awaits, which would cost every promise in the process.
   */
  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T>;
  /** Ask each round: leadership is lost on a broken connection and taken over when its holder dies. */
  tryLead(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A uniqueness constraint refused a write; `field` names it in domain terms. */
export class UniqueViolation extends Error {
  readonly field: 'userName' | 'email' | 'externalId' | 'displayName' | 'id';
  constructor(field: UniqueViolation['field']) {
    super(`${field} is already taken`);
    this.name = 'UniqueViolation';
    this.field = field;
  }
}
