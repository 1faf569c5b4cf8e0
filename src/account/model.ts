/**
 * The team account's model. Plain data: rows in, rows out. Use cases in this folder own
 * every rule; the Store only persists and queries.
 */

/** invited → (signs up) → pending → (a key holder confirms) → active; any → suspended. */
export type MemberState = 'invited' | 'pending' | 'active' | 'suspended';

/** Owners and guests are never managed by provisioning (P16). */
export type MemberRole = 'owner' | 'admin' | 'member' | 'guest';

export interface Member {
  /** Also the member's SCIM `id`. */
  id: string;
  /** SCIM userName; unique case-insensitively among members. */
  userName: string;
  /** The member's current, accepted e-mail address; unique case-insensitively. */
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
  /**
   * The user's attributes as the IdP last set them (the SCIM User document without `id`,
   * `meta`, `groups`, `password` and `schemas`), so that every attribute round-trips.
   */
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
  /** Also the group's SCIM `id`. */
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
  /** base64url, raw public keys. */
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
  /** e.g. 'member.invited', 'member.matched', 'member.suspended', 'group.created' */
  action: string;
  targetType: 'member' | 'group' | 'integration' | 'account';
  targetId: string;
  detail: Record<string, unknown>;
}

/**
 * A member's key pair from sign-up (DESIGN.md, "the key chain"): the public key in the clear,
 * the private key sealed under the member's password by their own browser or CLI
 * (src/crypto/member-keys.ts). The server stores the sealed value and cannot open it.
 */
export interface MemberKeys {
  memberId: string;
  /** base64url of the raw 32-byte X25519 public key. */
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

/**
 * A status-only credential for monitors (P7): it reads the bridge's `/health` and `/metrics`
 * and the account server's `/metrics`, nothing else. Only the SHA-256 of the token is stored.
 */
export interface MonitoringToken {
  id: string;
  /** What it is for, e.g. "prometheus" or "health monitor". */
  label: string;
  /** base64url SHA-256 of the token. */
  tokenHash: string;
  createdAt: string;
}

export type BridgeHealthState = 'unknown' | 'online' | 'offline';

/** What the account server's health monitor knows about one bridge (P7). */
export interface BridgeHealthRecord {
  /** The bridge's public address, e.g. https://scim.example.com. */
  bridgeUrl: string;
  state: BridgeHealthState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastCheckAt: string | null;
  lastOkAt: string | null;
  /** Why the last check failed; null after a good one. */
  lastError: string | null;
  /** The overall status the bridge reported last (`ok`, `degraded`, `failing`). */
  reportedStatus: string | null;
  /** When `state` last changed. */
  changedAt: string | null;
  lastNoticeAt: string | null;
  /** The last notice sent: `offline` or `online`. */
  lastNotice: 'offline' | 'online' | null;
}

/**
 * A sign-in challenge of the account API (DESIGN.md, "the token is the key"): a nonce the
 * bridge signs with its Ed25519 key. Single use, short-lived, bound to one key id.
 */
export interface ApiChallenge {
  id: string;
  keyId: string;
  /** base64url, 32 random bytes. */
  nonce: string;
  createdAt: string;
  expiresAt: string;
}

/** A bridge's signed-in API session. Only the SHA-256 of its token is stored. */
export interface ApiSession {
  /** base64url SHA-256 of the session token. */
  tokenHash: string;
  integrationId: string;
  /** The key the bridge signed in with; the session dies when the integration's key id changes (P2). */
  keyId: string;
  /** The address the bridge signed in from, for the activity log and troubleshooting. */
  address: string;
  createdAt: string;
  expiresAt: string;
}

export type FirewallAction = 'allow' | 'deny';

/**
 * A firewall rule for the bridge's connection to the account API (P4). `range` rules match
 * an IPv4 or IPv6 CIDR block; the one `listed_networks` rule denies every address in the
 * account server's network list (cloud providers, anonymising networks).
 */
export interface FirewallRule {
  id: string;
  action: FirewallAction;
  kind: 'range' | 'listed_networks';
  /** Canonical CIDR (`203.0.113.0/24`, `2001:db8::/32`) for `range` rules; null otherwise. */
  cidr: string | null;
  note: string | null;
  createdAt: string;
}
/** A sender's hold on outbox messages (`Store.claimDueMail`); another sender skips them until `until`. */
export interface MailClaim {
  /** Unique per claim; only the holder may record the outcome. */
  claimId: string;
  /** ISO-8601 UTC; after this instant the messages are due again for any sender. */
  until: string;
}

/** What a sender records after an attempt; the claim is released with it. */
export type MailOutcome = Pick<
  OutboxMessage,
  'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt' | 'data'
>;

/**
 * An e-mail change the member has been asked to accept (P13). Only the SHA-256 of the
 * link's secret is stored, so a copy of the database cannot accept anyone's change.
 */
export interface EmailChangeToken {
  /** Lower-case hex SHA-256 of the secret in the link. */
  tokenHash: string;
  memberId: string;
  newEmail: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/**
 * A group's key pair (DESIGN.md, "the key chain"). The private half exists only sealed: for
 * the provisioning key when the bridge may hold it (Team Members and managed groups), and
 * for each confirmed member (`GroupKeyShare`). The account can open none of them.
 */
export interface GroupKey {
  groupId: string;
  /** base64url, raw 32-byte X25519 public key: what vault keys are sealed to. */
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
  /** Unique case-insensitively. */
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

/**
 * A single-use sign-up link (P9, P12). Only the SHA-256 digest of the link's token is kept;
 * the token itself exists in the invitation e-mail (and the outbox row until it is sent).
 */
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

/**
 * How a member proves their password at sign-in without sending it: the browser derives a
 * proof from the password (src/crypto/sign-in-proof.ts) with this salt and iteration count;
 * the server keeps only a slow hash of the proof.
 */
export interface MemberCredential {
  memberId: string;
  /** base64url, 16 random bytes chosen by the member's browser or CLI. */
  proofSalt: string;
  proofIterations: number;
  /** `scrypt$N$r$p$salt$hash` of the proof (src/account/proof-hash.ts). */
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

/**
 * One SCIM request as the bridge answered it, for the console's request log (issue 11). The
 * bridge redacts and bounds the body before it leaves (`bridge/request-log.ts`); the account
 * bounds every field again when it stores them (`record-scim-requests.ts`).
 */
export interface ScimRequestEntry {
  id: string;
  at: string;
  /** Which IdP sent it, as the bridge detected it (`okta`, `entra`, … or `unknown`). */
  idp: string;
  /** The SCIM operation (`users.create`, `groups.patch`, …) or `unknown`. */
  operation: string;
  method: string;
  /** The path and query, tokens removed. */
  path: string;
  /** `Users`, `Groups`, `Bulk`, a discovery resource, or `other`. */
  resourceType: string;
  resourceId: string | null;
  status: number;
  /** RFC 7644 §3.12 `scimType` of an error answer. */
  scimType: string | null;
  /** The error's detail, as the IdP was told it. */
  detail: string | null;
  ms: number;
  /** The request body as JSON text, secrets replaced, at most a bound long; null without a body. */
  body: string | null;
  bodyTruncated: boolean;
}

/** What the bridge sends for each request: the entry without the id the account gives it. */
export type ScimRequestRecord = Omit<ScimRequestEntry, 'id'>;
