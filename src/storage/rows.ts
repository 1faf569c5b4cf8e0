// Row ↔ model mapping for both dialects: readers take SQLite's 0/1 and JSON text or PostgreSQL's
// booleans and jsonb; writers produce JSON text and leave booleans to the dialect's binding.
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
  Integration,
  Invitation,
  MailOutcome,
  Member,
  MemberCredential,
  MemberKeys,
  MemberSession,
  MonitoringToken,
  OutboxMessage,
  Vault,
  VaultGrant,
} from '../account/model.ts';
import type { MemberKeyShare, MissingShare, StoredMember } from '../account/store.ts';
import { groupNameKey } from '../account/text-rules.ts';

export type Row = Record<string, unknown>;

/** Column readers shared by every row mapper: a boolean (SQLite stores 0/1), JSON, nullable text. */
export const bool = (value: unknown): boolean => value === true || value === 1;
export const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
export const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export const MEMBER_COLUMNS =
  'id, user_name, email, external_id, display_name, given_name, family_name, state, role, managed, ' +
  'scim_deleted, profile, pending_email, signed_up_at, confirmed_at, suspended_at, created_at, updated_at, version';

/** Values in `MEMBER_COLUMNS` order. */
export function memberValues(member: Member): unknown[] {
  return [
    member.id,
    member.userName,
    member.email,
    member.externalId,
    member.displayName,
    member.givenName,
    member.familyName,
    member.state,
    member.role,
    member.managed,
    member.scimDeleted,
    JSON.stringify(member.profile),
    member.pendingEmail,
    member.signedUpAt,
    member.confirmedAt,
    member.suspendedAt,
    member.createdAt,
    member.updatedAt,
    member.version,
  ];
}

/** `MEMBER_COLUMNS` as row keys, in order. */
const MEMBER_FIELDS = MEMBER_COLUMNS.split(', ');

/** A keyed row (PostgreSQL, SQLite single-row reads) as values in `MEMBER_COLUMNS` order. */
const memberValuesOf = (row: Row): unknown[] => MEMBER_FIELDS.map((key) => row[key]);

export function memberFromRow(row: Row): Member {
  return memberFromValues(memberValuesOf(row));
}

/** From SQLite's raw array rows: a page is made without building keyed row objects first. */
export function memberFromValues(values: readonly unknown[]): Member {
  return {
    id: values[0] as string,
    userName: values[1] as string,
    email: values[2] as string,
    externalId: text(values[3]),
    displayName: text(values[4]),
    givenName: text(values[5]),
    familyName: text(values[6]),
    state: values[7] as Member['state'],
    role: values[8] as Member['role'],
    managed: bool(values[9]),
    scimDeleted: bool(values[10]),
    profile: json(values[11]),
    pendingEmail: text(values[12]),
    signedUpAt: text(values[13]),
    confirmedAt: text(values[14]),
    suspendedAt: text(values[15]),
    createdAt: values[16] as string,
    updatedAt: values[17] as string,
    version: Number(values[18]),
  };
}

/** JSON text as stored, or a jsonb value the driver already parsed, written back as text. */
export const jsonText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

/** Written out in full: sharing columns with `memberFromValues` made that hot mapper 20% slower. */
export function storedMemberFromValues(values: readonly unknown[]): StoredMember {
  return {
    id: values[0] as string,
    userName: values[1] as string,
    email: values[2] as string,
    externalId: text(values[3]),
    displayName: text(values[4]),
    givenName: text(values[5]),
    familyName: text(values[6]),
    state: values[7] as Member['state'],
    role: values[8] as Member['role'],
    managed: bool(values[9]),
    scimDeleted: bool(values[10]),
    profileJson: jsonText(values[11]),
    pendingEmail: text(values[12]),
    signedUpAt: text(values[13]),
    confirmedAt: text(values[14]),
    suspendedAt: text(values[15]),
    createdAt: values[16] as string,
    updatedAt: values[17] as string,
    version: Number(values[18]),
  };
}

/** `name_key` is written, never read back: the name as compared (`groupNameKey`). */
export const GROUP_COLUMNS =
  'id, display_name, external_id, kind, managed, created_at, updated_at, version, name_key';

export function groupValues(group: Group): unknown[] {
  return [
    group.id,
    group.displayName,
    group.externalId,
    group.kind,
    group.managed,
    group.createdAt,
    group.updatedAt,
    group.version,
    groupNameKey(group.displayName),
  ];
}

export function groupFromRow(row: Row): Group {
  return {
    id: row.id as string,
    displayName: row.display_name as string,
    externalId: text(row.external_id),
    kind: row.kind as Group['kind'],
    managed: bool(row.managed),
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
    version: Number(row.version),
  };
}

/** Parameter order of `SQL.finishMail`. */
export function mailOutcomeValues(id: string, claimId: string, outcome: MailOutcome): unknown[] {
  return [
    outcome.state,
    outcome.attempts,
    outcome.nextAttemptAt,
    outcome.lastError,
    outcome.sentAt,
    JSON.stringify(outcome.data),
    id,
    claimId,
  ];
}

/** Maps a unique index or constraint name to the domain field it protects. */
export function uniqueFieldOf(
  constraint: string,
): 'userName' | 'email' | 'externalId' | 'displayName' | 'id' {
  if (constraint.includes('user_name')) return 'userName';
  if (constraint.includes('email')) return 'email';
  if (constraint.includes('external_id')) return 'externalId';
  if (constraint.includes('display_name') || constraint.includes('name_key')) return 'displayName';
  return 'id';
}

export function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** How a field is stored: text as it is, nullable text, an integer, or JSON text. */
type Kind = 'text' | 'null' | 'int' | 'json';

/** Every field of `T` with its kind, and its column when that is not the field in snake_case. */
type Spec<T> = { [K in keyof T]-?: Kind | readonly [column: string, kind: Kind] };

export interface Table<T> {
  /** `a, b, c` in the spec's order, the order of `values`. */
  columns: string;
  placeholders: string;
  values(item: T): unknown[];
  fromRow(row: Row): T;
}

/** Row mapping of a table read a few rows at a time (members and groups keep hand-written mappers). */
export function table<T>(spec: Spec<T>): Table<T> {
  const fields = Object.entries<Kind | readonly [string, Kind]>(spec).map(([field, kind]) =>
    typeof kind === 'string'
      ? { field, column: field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), kind }
      : { field, column: kind[0], kind: kind[1] },
  );
  const read = (value: unknown, kind: Kind) =>
    kind === 'null' ? text(value) : kind === 'int' ? Number(value) : kind === 'json' ? json(value) : value;
  return {
    columns: fields.map(({ column }) => column).join(', '),
    placeholders: fields.map(() => '?').join(', '),
    values: (item) =>
      fields.map(({ field, kind }) => {
        const value = (item as Record<string, unknown>)[field];
        return kind === 'json' ? JSON.stringify(value) : value;
      }),
    fromRow: (row) => {
      const item: Record<string, unknown> = {};
      for (const { field, column, kind } of fields) item[field] = read(row[column], kind);
      return item as T;
    },
  };
}

export const ACCOUNT = table<Account>({
  id: 'text',
  name: 'text',
  allowedDomains: 'json',
  createdAt: 'text',
});
export const INTEGRATION = table<Integration>({
  id: 'text',
  state: 'text',
  keyId: 'text',
  signingPublicKey: 'text',
  provisioningPublicKey: 'text',
  createdAt: 'text',
  updatedAt: 'text',
});
export const MEMBER_KEYS = table<MemberKeys>({
  memberId: 'text',
  publicKey: 'text',
  encryptedPrivateKey: 'text',
  createdAt: 'text',
});
export const ACTIVITY = table<ActivityEntry>({
  id: 'text',
  at: 'text',
  actor: 'text',
  action: 'text',
  targetType: 'text',
  targetId: 'text',
  detail: 'json',
});
export const OUTBOX = table<OutboxMessage>({
  id: 'text',
  to: ['recipient', 'text'],
  template: 'text',
  data: 'json',
  state: 'text',
  attempts: 'int',
  nextAttemptAt: 'text',
  lastError: 'null',
  createdAt: 'text',
  sentAt: 'null',
});
export const EMAIL_CHANGE_TOKEN = table<EmailChangeToken>({
  tokenHash: 'text',
  memberId: 'text',
  newEmail: 'text',
  createdAt: 'text',
  expiresAt: 'text',
  usedAt: 'null',
});
// Sign-up and member sign-in (migration 3).
export const INVITATION = table<Invitation>({
  id: 'text',
  memberId: 'text',
  tokenHash: 'text',
  createdAt: 'text',
  expiresAt: 'text',
  usedAt: 'null',
  revokedAt: 'null',
});
export const CREDENTIAL = table<MemberCredential>({
  memberId: 'text',
  proofSalt: 'text',
  proofIterations: 'int',
  proofHash: 'text',
  createdAt: 'text',
});
export const SESSION = table<MemberSession>({
  tokenHash: 'text',
  memberId: 'text',
  createdAt: 'text',
  expiresAt: 'text',
});
// The key chain (migration 4).
export const GROUP_KEY = table<GroupKey>({
  groupId: 'text',
  publicKey: 'text',
  sealedForProvisioning: 'null',
  createdAt: 'text',
});
export const VAULT = table<Vault>({ id: 'text', name: 'text', createdAt: 'text' });
export const VAULT_GRANT = table<VaultGrant>({
  vaultId: 'text',
  groupId: 'text',
  sealedVaultKey: 'text',
  createdAt: 'text',
});
export const MEMBER_KEY_SHARE = table<MemberKeyShare>({
  groupId: 'text',
  displayName: 'text',
  groupPublicKey: 'text',
  sealedPrivateKey: 'text',
});
export const MISSING_SHARE = table<MissingShare>({
  groupId: 'text',
  memberId: 'text',
  memberPublicKey: 'text',
});
// The account API's access (migration 6).
export const API_CHALLENGE = table<ApiChallenge>({
  id: 'text',
  keyId: 'text',
  nonce: 'text',
  createdAt: 'text',
  expiresAt: 'text',
});
export const API_SESSION = table<ApiSession>({
  tokenHash: 'text',
  integrationId: 'text',
  keyId: 'text',
  address: 'text',
  createdAt: 'text',
  expiresAt: 'text',
});
export const FIREWALL_RULE = table<FirewallRule>({
  id: 'text',
  action: 'text',
  kind: 'text',
  cidr: 'null',
  note: 'null',
  createdAt: 'text',
});
/** A rule's values and `subject`, what makes two rules the same: their range, or the one network-list rule. */
export const firewallRuleValues = (rule: FirewallRule): unknown[] => [
  ...FIREWALL_RULE.values(rule),
  rule.kind === 'listed_networks' ? 'listed-networks' : rule.cidr,
];
// Monitoring (migration 7).
export const MONITORING_TOKEN = table<MonitoringToken>({
  tokenHash: 'text',
  id: 'text',
  label: 'text',
  createdAt: 'text',
});
export const BRIDGE_HEALTH = table<BridgeHealthRecord>({
  bridgeUrl: 'text',
  state: 'text',
  consecutiveFailures: 'int',
  consecutiveSuccesses: 'int',
  lastCheckAt: 'null',
  lastOkAt: 'null',
  lastError: 'null',
  reportedStatus: 'null',
  changedAt: 'null',
  lastNoticeAt: 'null',
  lastNotice: 'null',
});
