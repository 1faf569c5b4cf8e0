/** The bridge never touches the Store; methods throw `AccountError`, mapped to SCIM errors in one table. */
import type { Group, GroupMemberRef, Member, ScimRequestRecord } from './model.ts';
import type { GroupListQuery, GroupsOfMembersOptions, MemberListQuery, Page } from './store.ts';

export interface MemberInput {
  userName: string;
  /** The address the IdP wants; a change of it on an existing member becomes a pending change (P13). */
  email: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  profile: Record<string, unknown>;
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
}

export interface MembershipChange {
  add?: readonly string[];
  remove?: readonly string[];
  /** SCIM PUT, or PATCH replace of `members`. */
  replaceWith?: readonly string[];
}

/** The members the bridge shares the group's key with afterwards. */
export function membersAddedBy(change: MembershipChange): string[] {
  return [...new Set([...(change.add ?? []), ...(change.replaceWith ?? [])])];
}

/** All strings, so the HTTP API carries them unchanged; the account can open none. */
export interface GroupKeyInfo {
  groupId: string;
  publicKey: string;
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
  publicKey: string | null;
  groups: Array<{ groupId: string; displayName: string; key: GroupKeyInfo | null }>;
}

export interface KeyShareInput {
  groupId: string;
  memberId: string;
  sealedPrivateKey: string;
}

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
  shares: Array<{ groupId: string; sealedPrivateKey: string }>;
}

/**
 * `confirmed`: done now. `already_confirmed`: someone else did it (a second watcher).
 * `changed`: the member or their groups changed since they were read; read again and retry.
 * `not_pending`: no longer pending (suspended, deleted, or never signed up).
 */
export type ConfirmOutcome = 'confirmed' | 'already_confirmed' | 'changed' | 'not_pending';

/** RFC 7643 §4.1 fields only: smaller answers, and a remote bridge learns no more than it needs. */
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
  /** `provisioning_disabled` (P3) or `credentials_revoked` when `keyId` is stale (P2). */
  checkProvisioning(keyId: string): Promise<void>;
  /**
   * Answered from memory, for the check in front of every SCIM request: true when a check
   * within the cache lifetime (one second) allowed `keyId`; false when `checkProvisioning`
   * must be asked. Never throws.
   */
  provisioningKnown?(keyId: string): boolean;

  /** Invites a new member, or matches an existing one by e-mail without inviting (P9). */
  createMember(input: MemberInput): Promise<MemberView>;
  /** Members deleted through SCIM are `member_not_found`. */
  getMember(id: string): Promise<MemberView>;
  /** `profileJson`, when the client has it, is the profile as the JSON text stored. */
  listMembers(query: MemberListQuery): Promise<Page<MemberView & { profileJson?: string }>>;
  /** `expectedVersion` comes from If-Match; a mismatch is `version_mismatch`. */
  updateMember(id: string, input: MemberInput, expectedVersion?: number): Promise<MemberView>;
  /** (P14, P15) Writes nothing when unchanged. */
  setMemberActive(id: string, active: boolean, expectedVersion?: number): Promise<MemberView>;
  /** Suspends the member and hides them from SCIM; never deletes (P14). */
  deleteMember(id: string): Promise<void>;
  groupsOfMembers(
    memberIds: readonly string[],
    options?: GroupsOfMembersOptions,
  ): Promise<Map<string, Array<{ id: string; displayName: string; managed: boolean }>>>;

  createGroup(input: GroupInput, memberIds: readonly string[]): Promise<Group>;
  getGroup(id: string): Promise<Group>;
  listGroups(query: GroupListQuery): Promise<Page<Group>>;
  updateGroup(id: string, input: GroupInput, expectedVersion?: number): Promise<Group>;
  /** Atomic and serialised per group, `attributes` included, so a PATCH/PUT lands whole or not at all. */
  changeGroupMembers(
    id: string,
    change: MembershipChange,
    expectedVersion?: number,
    attributes?: GroupInput,
  ): Promise<Group>;
  listGroupMembers(id: string, page: { afterMemberId?: string; limit: number }): Promise<GroupMemberRef[]>;
  deleteGroup(id: string): Promise<void>;

  // The key chain and the provision watcher (P10, P11).
  getGroupKeys(groupIds: readonly string[]): Promise<GroupKeyInfo[]>;
  /** First stored wins; only Team Members and managed groups may be provisioning-sealed. */
  addGroupKeys(keys: readonly NewGroupKey[]): Promise<GroupKeyInfo[]>;
  listProvisioningGroupKeys(page: { afterGroupId?: string; limit: number }): Promise<GroupKeyInfo[]>;
  /** After new credentials; replaces a seal only while the group keeps that public key and the bridge may hold it (not counted otherwise). */
  resealGroupKeys(keys: readonly NewGroupKey[]): Promise<number>;
  /** Active members with a key pair, in groups whose key the bridge holds, without a share yet. */
  findMissingKeyShares(query: MissingKeyShareQuery): Promise<MissingKeyShare[]>;
  addKeyShares(shares: readonly KeyShareInput[]): Promise<number>;
  listPendingConfirmations(page: { afterMemberId?: string; limit: number }): Promise<PendingConfirmation[]>;
  /** Shares the keys, marks the member active and queues the "account ready" e-mail, atomically. */
  confirmMember(input: ConfirmMemberInput): Promise<{ outcome: ConfirmOutcome }>;
  /** A cheap "anything new?" for the watcher. */
  signUpCounter(): Promise<number>;

  /** (P7) Not cached here; the bridge caches valid ones. */
  checkMonitoringToken(token: string): Promise<boolean>;

  /** Sent in the background, never on a SCIM request's path. */
  recordScimRequests(records: readonly ScimRequestRecord[]): Promise<number>;
}
