/**
 * How the bridge reaches the team account. The bridge never touches the Store: in the
 * one-process mode it gets an in-process implementation (`src/account/in-process-client.ts`),
 * and a separate bridge gets one that speaks the account's HTTP API. Every method may throw
 * `AccountError`; the bridge maps those to SCIM errors in one table.
 */
import type { Group, GroupMemberRef, Member, ScimRequestRecord } from './model.ts';
import type { GroupListQuery, MemberListQuery, Page } from './store.ts';

/** A member as the IdP describes them, already mapped from SCIM by the bridge. */
export interface MemberInput {
  userName: string;
  /** The address the IdP wants; a change of it on an existing member becomes a pending change (P13). */
  email: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  /** The whole SCIM User document minus id, meta, groups, password and schemas. */
  profile: Record<string, unknown>;
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
}

export interface MembershipChange {
  add?: readonly string[];
  remove?: readonly string[];
  /** Replace the whole member list (SCIM PUT, or PATCH replace of `members`). */
  replaceWith?: readonly string[];
}

/**
 * The members a change may add, each once, in order: the ones the bridge shares the group's
 * key with afterwards, and whose missing key shares a membership answer can bring along.
 */
export function membersAddedBy(change: MembershipChange): string[] {
  return [...new Set([...(change.add ?? []), ...(change.replaceWith ?? [])])];
}

/**
 * The key chain as the bridge sees it (DESIGN.md, "the key chain"). Every value is JSON:
 * keys are base64url strings and sealed values are `sbs1.…` strings, so the account's HTTP
 * API can carry them unchanged. The account stores them and can open none.
 */
export interface GroupKeyInfo {
  groupId: string;
  /** base64url X25519 public key. */
  publicKey: string;
  /** The group's private key sealed for the provisioning key; null when the bridge may not hold it. */
  sealedForProvisioning: string | null;
}

export interface NewGroupKey {
  groupId: string;
  publicKey: string;
  sealedForProvisioning: string;
}

/** A pending member and everything confirming them needs, read in one call per batch. */
export interface PendingConfirmation {
  memberId: string;
  email: string;
  displayName: string | null;
  /** Confirmation is refused unless the member is still at this version. */
  version: number;
  /** Guests are never confirmed by provisioning (P16): an administrator confirms them. */
  role: 'owner' | 'admin' | 'member' | 'guest';
  /** Null when the member has no key pair: they cannot be confirmed. */
  publicKey: string | null;
  /** Team Members and the member's managed groups: the keys confirmation shares with them. */
  groups: Array<{ groupId: string; displayName: string; key: GroupKeyInfo | null }>;
}

export interface KeyShareInput {
  groupId: string;
  memberId: string;
  sealedPrivateKey: string;
}

/** A confirmed member who should hold a group's key and does not yet. */
export interface MissingKeyShare {
  groupId: string;
  memberId: string;
  memberPublicKey: string;
}

export type MissingKeyShareQuery =
  | { groupId: string; memberIds: readonly string[] }
  | { after?: { memberId: string; groupId: string }; limit: number };

export interface ConfirmMemberInput {
  memberId: string;
  expectedVersion: number;
  /** The member's groups' private keys, each sealed for the member's public key. */
  shares: Array<{ groupId: string; sealedPrivateKey: string }>;
}

/**
 * `confirmed`: done now. `already_confirmed`: someone else did it (a second watcher).
 * `changed`: the member or their groups changed since they were read; read again and retry.
 * `not_pending`: no longer pending (suspended, deleted, or never signed up).
 */
export type ConfirmOutcome = 'confirmed' | 'already_confirmed' | 'changed' | 'not_pending';

/**
 * A member as the bridge sees it: what a SCIM User is rendered from and written back with
 * (RFC 7643 §4.1), none of the account's own bookkeeping (pending e-mail, role, sign-up and
 * confirmation times). The address and names are here so that every member — the owner and
 * members made before provisioning too, whose profile is empty — renders with `emails` and
 * `name`. The account API sends only this: a third fewer bytes per member,
 * and a bridge — often in another network — learns no more than it needs.
 */
export type MemberView = Pick<
  Member,
  | 'id'
  | 'userName'
  | 'email'
  | 'externalId'
  | 'displayName'
  | 'givenName'
  | 'familyName'
  | 'state'
  | 'profile'
  | 'createdAt'
  | 'updatedAt'
  | 'version'
>;

/** Records per `recordScimRequests` call at most. */
export const REQUEST_LOG_BATCH = 100;
/** The longest request body the request log keeps, in characters of JSON text. */
export const REQUEST_LOG_BODY_CHARS = 4096;

export interface AccountClient {
  /**
   * Throws `provisioning_disabled` when provisioning is off (P3) and `credentials_revoked`
   * when `keyId` is no longer the integration's current key (P2).
   */
  checkProvisioning(keyId: string): Promise<void>;

  /** Invites a new member, or matches an existing one by e-mail without inviting (P9). */
  createMember(input: MemberInput): Promise<MemberView>;
  /** Members deleted through SCIM are `member_not_found`. */
  getMember(id: string): Promise<MemberView>;
  listMembers(query: MemberListQuery): Promise<Page<MemberView>>;
  /** `expectedVersion` comes from If-Match; a mismatch is `version_mismatch`. */
  updateMember(id: string, input: MemberInput, expectedVersion?: number): Promise<MemberView>;
  /**
   * `updateMember` with the member as stored and only `active` changed, in one call: the
   * IdP's deactivation and reactivation (P14, P15). The value it already has writes nothing.
   */
  setMemberActive(id: string, active: boolean, expectedVersion?: number): Promise<MemberView>;
  /** Suspends the member and hides them from SCIM; never deletes (P14). */
  deleteMember(id: string): Promise<void>;
  groupsOfMembers(
    memberIds: readonly string[],
  ): Promise<Map<string, Array<{ id: string; displayName: string; managed: boolean }>>>;

  /** Creates a managed group with the given initial members. */
  createGroup(input: GroupInput, memberIds: readonly string[]): Promise<Group>;
  getGroup(id: string): Promise<Group>;
  listGroups(query: GroupListQuery): Promise<Page<Group>>;
  updateGroup(id: string, input: GroupInput, expectedVersion?: number): Promise<Group>;
  /**
   * Applies membership changes atomically, serialised per group. Unknown member ids are
   * `member_not_found`; adding a present member or removing an absent one is a no-op.
   * With `attributes`, the group's displayName and externalId are set in the same
   * transaction (a SCIM PATCH or PUT that renames and changes members lands whole or not at
   * all). Returns the group with its version bumped if anything changed.
   */
  changeGroupMembers(
    id: string,
    change: MembershipChange,
    expectedVersion?: number,
    attributes?: GroupInput,
  ): Promise<Group>;
  listGroupMembers(id: string, page: { afterMemberId?: string; limit: number }): Promise<GroupMemberRef[]>;
  deleteGroup(id: string): Promise<void>;

  // The key chain and the provision watcher (P10, P11).
  /** The key pairs of those of `groupIds` that have one. */
  getGroupKeys(groupIds: readonly string[]): Promise<GroupKeyInfo[]>;
  /**
   * Stores key pairs for groups that have none (the first one stored wins) and returns the
   * key pairs now stored for those groups. Only Team Members and managed groups may have
   * their key sealed for the provisioning key (`group_protected` otherwise).
   */
  addGroupKeys(keys: readonly NewGroupKey[]): Promise<GroupKeyInfo[]>;
  /** Keyset page (by group id) of the group keys sealed for the provisioning key. */
  listProvisioningGroupKeys(page: { afterGroupId?: string; limit: number }): Promise<GroupKeyInfo[]>;
  /**
   * After new credentials: group keys re-sealed for the new provisioning key by a bridge that
   * still held the old one. A seal replaces the stored one only while the group keeps that
   * public key; returns how many were replaced.
   */
  resealGroupKeys(keys: readonly NewGroupKey[]): Promise<number>;
  /** Active members with a key pair, in groups whose key the bridge holds, without a share yet. */
  findMissingKeyShares(query: MissingKeyShareQuery): Promise<MissingKeyShare[]>;
  /** Stores shares for active members still in the group; returns how many were added. */
  addKeyShares(shares: readonly KeyShareInput[]): Promise<number>;
  /** Keyset page (by member id) of pending members. */
  listPendingConfirmations(page: { afterMemberId?: string; limit: number }): Promise<PendingConfirmation[]>;
  /** Shares the keys, marks the member active and queues the "account ready" e-mail, atomically. */
  confirmMember(input: ConfirmMemberInput): Promise<{ outcome: ConfirmOutcome }>;
  /** Grows by one whenever a member signs up (becomes pending): a cheap "anything new?" for the watcher. */
  signUpCounter(): Promise<number>;

  /**
   * Whether `token` is a monitoring token the account issued and has not revoked (P7): how
   * a separate bridge accepts the tokens `scimbridge monitoring token create` makes. Anything
   * that is not shaped like one is simply not valid. Answers are not cached here; the
   * bridge's check caches the valid ones (`createAccountMonitoringTokenCheck`).
   */
  checkMonitoringToken(token: string): Promise<boolean>;

  /**
   * Stores a batch (at most 100) of the bridge's SCIM request records for the console's
   * request log; returns how many were stored. Never on a SCIM request's path: the bridge's
   * request log sends these in the background (`bridge/request-log.ts`).
   */
  recordScimRequests(records: readonly ScimRequestRecord[]): Promise<number>;
}
