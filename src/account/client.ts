/**
 * How the bridge reaches the team account. The bridge never touches the Store: in the
 * one-process mode it gets an in-process implementation (`src/account/in-process-client.ts`),
 * and a separate bridge gets one that speaks the account's HTTP API. Every method may throw
 * `AccountError`; the bridge maps those to SCIM errors in one table.
 */
import type { Group, GroupMemberRef, Member } from './model.ts';
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

export interface AccountClient {
  /**
   * Throws `provisioning_disabled` when provisioning is off (P3) and `credentials_revoked`
   * when `keyId` is no longer the integration's current key (P2).
   */
  checkProvisioning(keyId: string): Promise<void>;

  /** Invites a new member, or matches an existing one by e-mail without inviting (P9). */
  createMember(input: MemberInput): Promise<Member>;
  /** Members deleted through SCIM are `member_not_found`. */
  getMember(id: string): Promise<Member>;
  listMembers(query: MemberListQuery): Promise<Page<Member>>;
  /** `expectedVersion` comes from If-Match; a mismatch is `version_mismatch`. */
  updateMember(id: string, input: MemberInput, expectedVersion?: number): Promise<Member>;
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
   * Returns the group with its version bumped if anything changed.
   */
  changeGroupMembers(id: string, change: MembershipChange, expectedVersion?: number): Promise<Group>;
  listGroupMembers(id: string, page: { afterMemberId?: string; limit: number }): Promise<GroupMemberRef[]>;
  deleteGroup(id: string): Promise<void>;
}
