/**
 * The Store: the one persistence port of the account domain. `src/storage` implements it
 * for SQLite and PostgreSQL, and both pass the same contract suite
 * (`src/storage/contract.ts`). Methods are small and each is atomic on its own; a use case
 * that needs several writes to happen together runs them inside `transaction`.
 */
import type { AttrPath, Filter } from '../scim/filter/ast.ts';
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
  OutboxMessage,
  ScimRequestEntry,
  ScimRequestRecord,
  Vault,
  VaultGrant,
} from './model.ts';

export interface ListQuery {
  /** Compiled to parameterised SQL over an attribute whitelist; unknown attributes are refused. */
  filter?: Filter;
  /** 1-based, as in SCIM (RFC 7644 §3.4.2.4). */
  startIndex: number;
  /** Page size; 0 asks for the total only. */
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
 * A member with its profile as the store holds it: JSON text of an object, exactly as the
 * store wrote it (SQLite) or as the database renders it (PostgreSQL jsonb). The account API
 * splices it into its answers instead of parsing it only to stringify it again.
 */
export type StoredMember = Omit<Member, 'profile'> & { profileJson: string };

export interface MemberListQuery extends ListQuery {
  /** Leave out members deleted through SCIM (they are 404 to the IdP). */
  excludeScimDeleted?: boolean;
}

export interface GroupListQuery extends ListQuery {
  /** Only groups the IdP manages (the ones SCIM may see). */
  managedOnly?: boolean;
}

/** The administrators' people list (issue 11): keyset pages in lower-cased e-mail order. */
export interface PeopleQuery {
  /** Prefix of the e-mail, display name, given or family name, compared case-insensitively. */
  search?: string;
  state?: MemberState;
  /** Only members the IdP manages (true) or only those it does not (false). */
  managed?: boolean;
  /** The `nextAfter` of the page before. */
  after?: string;
  limit: number;
}

export interface PeoplePage {
  members: Member[];
  /** Where the next page starts (the last member's list key), or null when this is the last page. */
  nextAfter: string | null;
}

/** One of a member's groups, with what confirming them needs to know about it. */
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

/** The account itself. */
export interface AccountStore {
  getAccount(): Promise<Account | undefined>;
  saveAccount(account: Account): Promise<void>;
  /**
   * Inside a transaction: waits until no other transaction on this database holds the
   * account's set-up lock, and holds it until this one ends — so account servers starting
   * together make the account, its groups and its owner once. SQLite has one writer: nothing to do.
   */
  lockAccountSetup(): Promise<void>;
}

/** Members: the SCIM users and the account's own people. */
export interface MemberStore {
  /** Throws `UniqueViolation` when userName or email is taken (case-insensitively). */
  insertMember(member: Member): Promise<void>;
  /**
   * Writes `member` if the stored version is `expectedVersion`; the caller has already set
   * `member.version = expectedVersion + 1`. Returns false (and writes nothing) on a version
   * mismatch or a missing row. Throws `UniqueViolation` like `insertMember`.
   */
  updateMember(member: Member, expectedVersion: number): Promise<boolean>;
  getMember(id: string): Promise<Member | undefined>;
  findMemberByEmail(email: string): Promise<Member | undefined>;
  findMemberByUserName(userName: string): Promise<Member | undefined>;
  findMemberByExternalId(externalId: string): Promise<Member | undefined>;
  listMembers(query: MemberListQuery): Promise<Page<Member>>;
  /** The same page as `listMembers`, each profile left as stored JSON text. */
  listMembersAsStored(query: MemberListQuery): Promise<Page<StoredMember>>;
  /** The administrators' list: every member, including those deleted through SCIM. */
  listPeople(query: PeopleQuery): Promise<PeoplePage>;
  /** Members per state, every state present (0 when none). */
  countMembersByState(): Promise<Record<MemberState, number>>;
  /**
   * Removes a member for good with everything that hangs off the row: memberships and key
   * shares, keys, sign-in credential, sessions, invitations, e-mail change tokens, and the
   * member's mail still queued in the outbox. Sent and failed mail and the activity log stay.
   * False when there was no such member. Run it inside a transaction.
   */
  deleteMember(id: string): Promise<boolean>;
}

/** Groups and their memberships. */
export interface GroupStore {
  /** Throws `UniqueViolation` when displayName is taken (case-insensitively). */
  insertGroup(group: Group): Promise<void>;
  /** Same contract as `updateMember`. */
  updateGroup(group: Group, expectedVersion: number): Promise<boolean>;
  /** Removes the group and its memberships; false when there was no such group. */
  deleteGroup(id: string): Promise<boolean>;
  getGroup(id: string): Promise<Group | undefined>;
  findGroupByDisplayName(displayName: string): Promise<Group | undefined>;
  findGroupByKind(kind: Group['kind']): Promise<Group | undefined>;
  listGroups(query: GroupListQuery): Promise<Page<Group>>;

  /**
   * Adds the members that are not in the group yet and returns how many were added.
   * Cost grows with `memberIds.length`, never with the group's size.
   */
  addGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
  /** Removes the given members if present; returns how many were removed. */
  removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
  removeAllGroupMembers(groupId: string): Promise<number>;
  /** Which of `memberIds` are in the group. */
  filterGroupMembers(groupId: string, memberIds: readonly string[]): Promise<string[]>;
  /** Keyset page of a group's members ordered by member id. */
  listGroupMembers(
    groupId: string,
    page: { afterMemberId?: string; limit: number },
  ): Promise<GroupMemberRef[]>;
  countGroupMembers(groupId: string): Promise<number>;
  /** The groups of each given member, for SCIM's read-only `groups` attribute; one query for a page of members. */
  listGroupsOfMembers(
    memberIds: readonly string[],
  ): Promise<Map<string, Array<{ id: string; displayName: string; managed: boolean }>>>;
  /** Which of `ids` are existing members (not deleted through SCIM). */
  existingMemberIds(ids: readonly string[]): Promise<string[]>;
}

/** The key chain (DESIGN.md): member keys, group keys, their shares with members, vaults and grants. */
export interface KeyChainStore {
  /** Stores a member's key pair, replacing any earlier one of the same member. */
  saveMemberKeys(keys: MemberKeys): Promise<void>;
  getMemberKeys(memberId: string): Promise<MemberKeys | undefined>;
  /** The public keys of those of `memberIds` that have one; one query for any number of ids. */
  getMemberPublicKeys(memberIds: readonly string[]): Promise<Map<string, string>>;

  // The key chain (DESIGN.md): group keys, their shares with members, vaults and grants.
  /** The key pairs of those of `groupIds` that have one. */
  getGroupKeys(groupIds: readonly string[]): Promise<GroupKey[]>;
  /** Inserts a group's key pair unless it has one already (the first one wins); true when inserted. */
  insertGroupKey(key: GroupKey): Promise<boolean>;
  /** Keyset page (by group id) of the group keys sealed for the provisioning key. */
  listProvisioningGroupKeys(page: { afterGroupId?: string; limit: number }): Promise<GroupKey[]>;
  /**
   * Replaces the provisioning seal of a group key, only while the group still has the key
   * pair with `publicKey` (a seal of another key pair must never land on it); true when replaced.
   */
  replaceProvisioningSeal(
    groupId: string,
    publicKey: string,
    sealedForProvisioning: string,
  ): Promise<boolean>;
  /**
   * Inserts the shares whose membership exists and that are not stored yet; returns how many
   * were added. A share lives only as long as its membership: removing the member from the
   * group, or deleting either, deletes it in the same transaction (a foreign key cascade).
   * Cost grows with `shares.length`, never with a group's size.
   */
  addGroupKeyShares(shares: readonly GroupKeyShare[]): Promise<number>;
  /** How many members hold a share of the group's key. */
  countGroupKeyShares(groupId: string): Promise<number>;
  /** The group keys shared with one member, with each group's name and public key. */
  listGroupKeySharesOfMember(memberId: string): Promise<MemberKeyShare[]>;
  /** Keyset page (by member id) of pending members, each with their public key if they have one. */
  listPendingMembers(page: { afterMemberId?: string; limit: number }): Promise<PendingMemberRow[]>;
  /** Each given member's groups with their kind and key pair (if any); one query for a batch. */
  listKeyedGroupsOfMembers(memberIds: readonly string[]): Promise<Map<string, KeyedGroupRef[]>>;
  /**
   * Memberships of active members who have a public key, in groups whose key is sealed for
   * the provisioning key, that have no share yet: either for given members of one group,
   * or as a keyset sweep over all memberships ordered by (member id, group id).
   */
  findMissingKeyShares(query: MissingShareQuery): Promise<MissingShare[]>;
  /** A counter kept by triggers; `sign_ups` grows by one whenever a member becomes pending. */
  readCounter(name: 'sign_ups'): Promise<number>;
  /** Throws `UniqueViolation` when the name is taken (case-insensitively). */
  insertVault(vault: Vault): Promise<void>;
  getVault(id: string): Promise<Vault | undefined>;
  findVaultByName(name: string): Promise<Vault | undefined>;
  /** Keyset page by creation order. */
  listVaults(page: { afterId?: string; limit: number }): Promise<Vault[]>;
  /** Stores a grant, replacing an earlier one of the same vault and group. */
  saveVaultGrant(grant: VaultGrant): Promise<void>;
  listVaultGrants(vaultId: string): Promise<VaultGrant[]>;
  /** Removes one grant; false when there was none. */
  deleteVaultGrant(vaultId: string, groupId: string): Promise<boolean>;
  /** Vaults that no group but `groupId` can open (deleting that group would lose them). */
  listVaultsOnlyGrantedTo(groupId: string): Promise<Vault[]>;
  /** The grants to any of `groupIds`, with each vault's name. */
  listVaultGrantsOfGroups(groupIds: readonly string[]): Promise<Array<VaultGrant & { vaultName: string }>>;
}

/** Invitations, members' sign-in credentials and sessions, account secrets. */
export interface SignUpStore {
  insertInvitation(invitation: Invitation): Promise<void>;
  findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  /** A member's invitations, newest first. */
  listInvitations(memberId: string): Promise<Invitation[]>;
  /** Revokes every invitation of the member that is neither used nor revoked; returns how many. */
  revokeOpenInvitations(memberId: string, at: string): Promise<number>;
  /** Marks an unused, unrevoked invitation used; false (nothing written) when it was not. */
  markInvitationUsed(id: string, at: string): Promise<boolean>;

  /** Stores a member's sign-in proof hash, replacing an earlier one. */
  saveMemberCredential(credential: MemberCredential): Promise<void>;
  getMemberCredential(memberId: string): Promise<MemberCredential | undefined>;
  insertMemberSession(session: MemberSession): Promise<void>;
  getMemberSession(tokenHash: string): Promise<MemberSession | undefined>;
  /** False when there was no such session. */
  deleteMemberSession(tokenHash: string): Promise<boolean>;
  /** Moves a session's expiry to `expiresAt` when that is later; false when nothing changed. */
  extendMemberSession(tokenHash: string, expiresAt: string): Promise<boolean>;
  /** Ends every session of one member (suspension); returns how many. */
  deleteSessionsOfMember(memberId: string): Promise<number>;
  /** Removes every session that expired at or before `now`; returns how many. */
  deleteExpiredMemberSessions(now: string): Promise<number>;
  /**
   * Moves a member's key pair and sign-in credential to another member row and ends the
   * first member's sessions: when an id passes to a new person (P15), the previous
   * person's keys go with them.
   */
  transferMemberSignup(fromMemberId: string, toMemberId: string): Promise<void>;
  /**
   * Returns the stored secret `name`, storing `candidate` first when there is none; two
   * racing callers get the same value.
   */
  ensureAccountSecret(name: string, candidate: string): Promise<string>;
}

/** The integration and the account API's access: sign-in challenges, sessions, firewall rules. */
export interface AccessStore {
  getIntegration(): Promise<Integration | undefined>;
  saveIntegration(integration: Integration): Promise<void>;

  /** Account API sign-in (challenge–response) and sessions. */
  insertApiChallenge(challenge: ApiChallenge): Promise<void>;
  /** Removes the challenge and returns it: a challenge can be answered once. */
  takeApiChallenge(id: string): Promise<ApiChallenge | undefined>;
  insertApiSession(session: ApiSession): Promise<void>;
  getApiSession(tokenHash: string): Promise<ApiSession | undefined>;
  /** Ends every API session (regenerate, deactivate). Returns how many ended. */
  deleteApiSessions(): Promise<number>;
  /** Drops challenges and sessions that expired before `now` (ISO-8601). */
  purgeExpiredApiAuth(now: string): Promise<void>;

  /** Firewall rules for the bridge's connection (P4), oldest first. */
  listFirewallRules(): Promise<FirewallRule[]>;
  /** Throws `UniqueViolation('id')` when a rule for the same range (or the network list) exists. */
  insertFirewallRule(rule: FirewallRule): Promise<void>;
  deleteFirewallRule(id: string): Promise<boolean>;
}

/** The activity log. */
export interface ActivityStore {
  appendActivity(entry: ActivityEntry): Promise<void>;
  /** Newest first; with `targetId`, only the entries about that member, group or other target. */
  listActivity(page: { limit: number; before?: string; targetId?: string }): Promise<ActivityEntry[]>;
}

/** Which SCIM requests a page of the request log shows; every filter is optional. */
export interface ScimRequestQuery {
  limit: number;
  /** The page after this entry id (newest first); ids are decimal numbers. */
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
  /** Each record gets the next id (a number, as text): ids grow in the order written. */
  appendScimRequests(records: readonly ScimRequestRecord[]): Promise<void>;
  /** Newest first. */
  listScimRequests(query: ScimRequestQuery): Promise<ScimRequestEntry[]>;
  getScimRequest(id: string): Promise<ScimRequestEntry | undefined>;
  /** Deletes entries from before `olderThan` and all but about the newest `keep`; returns how many. */
  pruneScimRequests(limits: { olderThan: string; keep: number }): Promise<number>;
}

/** The outbox and its senders' claims. */
export interface MailStore {
  enqueueMail(message: OutboxMessage): Promise<void>;
  getMail(id: string): Promise<OutboxMessage | undefined>;
  /** Newest first. */
  listMail(page: { limit: number; state?: MailState }): Promise<OutboxMessage[]>;
  updateMail(message: OutboxMessage): Promise<void>;
  /** Outbox messages per state, for /metrics; states without messages are 0. */
  countMailByState(): Promise<Record<MailState, number>>;
  /**
   * Claims up to `limit` queued messages that are due at `now` and not claimed by anyone
   * else (or whose claim has run out), in one atomic statement, oldest due first. Two
   * senders over one database never get the same message while a claim holds.
   */
  claimDueMail(now: string, claim: MailClaim, limit: number): Promise<OutboxMessage[]>;
  /**
   * Records an attempt's outcome and releases the claim — only if `claimId` still holds
   * the message. Returns false (and writes nothing) when the claim was lost.
   */
  finishMail(id: string, claimId: string, outcome: MailOutcome): Promise<boolean>;
  /**
   * Gives up the queued `template` messages of one member (their link no longer works):
   * they become `failed` with `reason`, lose their `link`, and are never sent. Returns how
   * many.
   */
  dropQueuedMail(memberId: string, template: MailTemplate, reason: string): Promise<number>;
}

/** Monitoring tokens, notification recipients and the health monitor's state per bridge. */
export interface MonitoringStore {
  /** Monitoring tokens and the health monitor's state (migration 7). */
  insertMonitoringToken(token: MonitoringToken): Promise<void>;
  findMonitoringToken(tokenHash: string): Promise<MonitoringToken | undefined>;
  /** Oldest first. */
  listMonitoringTokens(): Promise<MonitoringToken[]>;
  deleteMonitoringToken(id: string): Promise<boolean>;
  /** Who gets the bridge offline/online notices, in the order they were added. */
  listNotificationRecipients(): Promise<string[]>;
  /** Replaces the whole list. */
  setNotificationRecipients(emails: readonly string[]): Promise<void>;
  getBridgeHealth(bridgeUrl: string): Promise<BridgeHealthRecord | undefined>;
  saveBridgeHealth(record: BridgeHealthRecord): Promise<void>;
  /** The monitor's on/off switch (migration 14); never set reads as on. */
  getMonitoringSwitch(): Promise<{ enabled: boolean; changedAt: string | null }>;
  setMonitoringSwitch(enabled: boolean, changedAt: string): Promise<void>;
}

/** Pending e-mail changes (P13). */
export interface EmailChangeStore {
  insertEmailChangeToken(token: EmailChangeToken): Promise<void>;
  getEmailChangeToken(tokenHash: string): Promise<EmailChangeToken | undefined>;
  /** The member's most recently issued token, used or not. */
  latestEmailChangeToken(memberId: string): Promise<EmailChangeToken | undefined>;
  /** Marks the token used if it was not yet; false when it already was (single use). */
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
   * Runs `work` in one database transaction: all of its writes land or none do. Work must
   * use the `tx` it is given. Nested calls join the outer transaction.
   */
  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T>;
  /**
   * True while this process leads `name` among every account server on this database (the
   * health monitor). Asked again at each round: leadership can be lost (a broken
   * connection) and taken over when its holder dies. SQLite has one server: always true.
   */
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
