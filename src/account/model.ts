/** Plain data; use cases own every rule, the Store only persists. */
import type { ActivityAction } from './activity-actions.ts';

/** invited → (signs up) → pending → (a key holder confirms) → active; any → suspended. */
export type MemberState = 'invited' | 'pending' | 'active' | 'suspended';

/** Owners and guests are never managed by provisioning (P16). */
export type MemberRole = 'owner' | 'admin' | 'member' | 'guest';

export interface Member {
  id: string;
  /** Unique case-insensitively. */
  userName: string;
  /** Accepted address; unique case-insensitively. */
  email: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  state: MemberState;
  role: MemberRole;
  /** True once the IdP created or matched this member (P9). */
  managed: boolean;
  /** Deleted through SCIM: 404 to the IdP from then on, suspended in the account (P14). */
  scimDeleted: boolean;
  /** SCIM User document minus id/meta/groups/password/schemas, so every attribute round-trips. */
  profile: Record<string, unknown>;
  /** An address the IdP asked for that the member has not accepted yet (P13). */
  pendingEmail: string | null;
  signedUpAt: string | null;
  confirmedAt: string | null;
  suspendedAt: string | null;
  /** ISO-8601 UTC timestamps. */
  createdAt: string;
  updatedAt: string;
  /** Starts at 1, +1 on every write; SCIM `meta.version` is derived from it. */
  version: number;
}

export type GroupKind = 'owners' | 'administrators' | 'team_members' | 'provision_managers' | 'custom';

export interface Group {
  id: string;
  /** Unique case-insensitively among groups. */
  displayName: string;
  externalId: string | null;
  kind: GroupKind;
  /** Pushed by the IdP, or chosen by an administrator as managed (P17). Only managed groups are visible to SCIM. */
  managed: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What a group's member list shows of a member. */
export interface GroupMemberRef {
  id: string;
  display: string | null;
}

export type IntegrationState = 'active' | 'inactive';

/** The provisioning integration: the public half of the credentials (DESIGN.md, "the token is the key"). */
export interface Integration {
  id: string;
  state: IntegrationState;
  /** Changes whenever credentials are regenerated; a session file carries the key id it was made with. */
  keyId: string;
  signingPublicKey: string;
  provisioningPublicKey: string;
  createdAt: string;
  updatedAt: string;
}

export interface Account {
  id: string;
  name: string;
  /** Lower-case domains that members' addresses may use (P13); empty = any domain. */
  allowedDomains: string[];
  createdAt: string;
}

export type ActivityActor = 'provisioning' | 'admin' | 'member' | 'system';

export interface ActivityEntry {
  id: string;
  at: string;
  actor: ActivityActor;
  action: string;
  targetType: 'member' | 'group' | 'integration' | 'account';
  targetId: string;
  detail: Record<string, unknown>;
}

/** An entry as written: only an action of the one list compiles (activity-actions.ts). */
export interface NewActivityEntry extends ActivityEntry {
  action: ActivityAction;
}

/** Private key sealed under the member's password client-side; the server cannot open it. */
export interface MemberKeys {
  memberId: string;
  publicKey: string;
  encryptedPrivateKey: string;
  createdAt: string;
}

export type MailTemplate =
  | 'invitation'
  | 'account_ready'
  | 'email_change'
  | 'bridge_offline'
  | 'bridge_online';
export type MailState = 'queued' | 'sent' | 'failed';

/** The e-mail outbox: written in the same transaction as the change that causes it. */
export interface OutboxMessage {
  id: string;
  to: string;
  template: MailTemplate;
  data: Record<string, unknown>;
  state: MailState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** (P7) Status-only credential; only the token's SHA-256 is stored. */
export interface MonitoringToken {
  id: string;
  label: string;
  /** base64url SHA-256 of the token. */
  tokenHash: string;
  createdAt: string;
}

export type BridgeHealthState = 'unknown' | 'online' | 'offline';

/** What the account server's health monitor knows about one bridge (P7). */
export interface BridgeHealthRecord {
  bridgeUrl: string;
  state: BridgeHealthState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastCheckAt: string | null;
  lastOkAt: string | null;
  lastError: string | null;
  reportedStatus: string | null;
  changedAt: string | null;
  lastNoticeAt: string | null;
  lastNotice: 'offline' | 'online' | null;
}

/** Single use, short-lived, bound to one key id. */
export interface ApiChallenge {
  id: string;
  keyId: string;
  nonce: string;
  createdAt: string;
  expiresAt: string;
}

/** A bridge's signed-in API session. Only the SHA-256 of its token is stored. */
export interface ApiSession {
  tokenHash: string;
  integrationId: string;
  /** The key the bridge signed in with; the session dies when the integration's key id changes (P2). */
  keyId: string;
  address: string;
  createdAt: string;
  expiresAt: string;
}

export type FirewallAction = 'allow' | 'deny';

/** (P4) `listed_networks` denies the server's network list (cloud providers, anonymisers). */
export interface FirewallRule {
  id: string;
  action: FirewallAction;
  kind: 'range' | 'listed_networks';
  cidr: string | null;
  note: string | null;
  createdAt: string;
}
/** A sender's hold on outbox messages (`Store.claimDueMail`); another sender skips them until `until`. */
export interface MailClaim {
  /** Only the holder may record the outcome. */
  claimId: string;
  /** ISO-8601 UTC; after this instant the messages are due again for any sender. */
  until: string;
}

/** What a sender records after an attempt; the claim is released with it. */
export type MailOutcome = Pick<
  OutboxMessage,
  'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt' | 'data'
>;

/** (P13) Only the hash is stored, so a database copy cannot accept anyone's change. */
export interface EmailChangeToken {
  /** Lower-case hex (unlike the base64url hashes elsewhere). */
  tokenHash: string;
  memberId: string;
  newEmail: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** The private half exists only sealed (provisioning key, member shares); the account opens none. */
export interface GroupKey {
  groupId: string;
  publicKey: string;
  /** The private key sealed for the integration's provisioning key; null when the bridge may not hold it. */
  sealedForProvisioning: string | null;
  createdAt: string;
}

/** A group's private key sealed for one member; it exists only while the membership does. */
export interface GroupKeyShare {
  groupId: string;
  memberId: string;
  sealedPrivateKey: string;
  createdAt: string;
}

export interface Vault {
  id: string;
  name: string;
  createdAt: string;
}

/** A vault's key sealed to a group's public key: the group's members may open the vault. */
export interface VaultGrant {
  vaultId: string;
  groupId: string;
  sealedVaultKey: string;
  createdAt: string;
}

/** (P9, P12) Only the token's digest is kept; the token lives in the e-mail and unsent outbox row. */
export interface Invitation {
  id: string;
  memberId: string;
  /** base64url SHA-256 of the token. */
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** Set when a newer link replaced this one, or the member can no longer sign up. */
  revokedAt: string | null;
}

/** The password never leaves the browser: it sends a derived proof; the server keeps a slow hash of it. */
export interface MemberCredential {
  memberId: string;
  proofSalt: string;
  proofIterations: number;
  proofHash: string;
  createdAt: string;
}

/** A member's signed-in browser session; the cookie holds the token, the row its digest. */
export interface MemberSession {
  tokenHash: string;
  memberId: string;
  createdAt: string;
  expiresAt: string;
}

/** Redacted and bounded by the bridge, bounded again by the account on store. */
export interface ScimRequestEntry {
  id: string;
  at: string;
  idp: string;
  operation: string;
  method: string;
  /** Tokens removed. */
  path: string;
  resourceType: string;
  resourceId: string | null;
  status: number;
  /** RFC 7644 §3.12 `scimType` of an error answer. */
  scimType: string | null;
  detail: string | null;
  ms: number;
  /** Secrets replaced, length-bounded. */
  body: string | null;
  bodyTruncated: boolean;
}

export type ScimRequestRecord = Omit<ScimRequestEntry, 'id'>;
