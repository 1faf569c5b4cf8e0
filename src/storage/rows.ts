// Row ↔ model mapping for both dialects: readers take SQLite's 0/1 and JSON text or PostgreSQL's
// booleans and jsonb; writers produce JSON text and leave booleans to the dialect's binding.
import type * as model from '../account/model.ts';
import type { MemberKeyShare, MissingShare, StoredMember } from '../account/store.ts';
import { groupNameKey } from '../account/text-rules.ts';

export type Row = Record<string, unknown>;

/** Column readers: a boolean (SQLite stores 0/1), JSON, nullable text. */
export const bool = (value: unknown): boolean => value === true || value === 1;
export const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
export const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
/** JSON text as stored, or a jsonb value the driver already parsed, written back as text. */
const jsonText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/** A JSON object that is only shown, never written back (an activity entry's detail): a damaged
 * one (not JSON, or not an object) is shown as the text read, instead of failing the whole page. */
export const record = (value: unknown): Record<string, unknown> => {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { unreadable: value };
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : { unreadable: typeof value === 'string' ? value : String(JSON.stringify(value)) };
};

/** Parameter order of `SQL.finishMail`. */
export function mailOutcomeValues(id: string, claimId: string, outcome: model.MailOutcome): unknown[] {
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

/** How a field is stored: text as it is, nullable text, an integer, a boolean (0/1 on SQLite), an
 * integer 0/1 on both, JSON, JSON left as text, or a JSON object read defensively (`record`). */
type Kind = 'text' | 'null' | 'int' | 'bool' | 'flag' | 'json' | 'jsonText' | 'record';

/** Every field of `T` with its kind, and its column when that is not the field in snake_case. */
type Spec<T> = { [K in keyof T]-?: Kind | readonly [column: string, kind: Kind] };

export interface Table<T> {
  /** `a, b, c` in the spec's order, the order of `values` and `fromValues`. */
  columns: string;
  placeholders: string;
  values(item: T): unknown[];
  fromRow(row: Row): T;
  /** From an array row (SQLite's raw rows): a page is made without keyed row objects. */
  fromValues(values: readonly unknown[]): T;
}

const READ: Record<Kind, (value: string) => string> = {
  text: (value) => value,
  null: (value) => `text(${value})`,
  int: (value) => `Number(${value})`,
  bool: (value) => `bool(${value})`,
  flag: (value) => `bool(${value})`,
  json: (value) => `json(${value})`,
  jsonText: (value) => `jsonText(${value})`,
  record: (value) => `record(${value})`,
};

// Compiled from the spec: an object literal per row maps as fast as a hand-written mapper (a
// loop over the spec made a page of members 20% slower). Only this file's constants become code.
function compile<F>(parameter: string, body: string): F {
  return new Function('text', 'json', 'bool', 'jsonText', 'record', `return (${parameter}) => ${body};`)(
    text,
    json,
    bool,
    jsonText,
    record,
  );
}

export function table<T>(spec: Spec<T>): Table<T> {
  const fields = Object.entries<Kind | readonly [string, Kind]>(spec).map(([field, kind]) =>
    typeof kind === 'string'
      ? { field, column: field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), kind }
      : { field, column: kind[0], kind: kind[1] },
  );
  const write = ({ field, kind }: (typeof fields)[number]) =>
    kind === 'json' || kind === 'record'
      ? `JSON.stringify(item.${field})`
      : kind === 'flag'
        ? `(item.${field} ? 1 : 0)`
        : `item.${field}`;
  const object = (read: (column: string, index: number) => string) =>
    `({ ${fields.map(({ field, column, kind }, i) => `${field}: ${READ[kind](read(column, i))}`).join(', ')} })`;
  return {
    columns: fields.map(({ column }) => column).join(', '),
    placeholders: fields.map(() => '?').join(', '),
    values: compile('item', `[${fields.map(write).join(', ')}]`),
    fromRow: compile(
      'row',
      object((column) => `row[${JSON.stringify(column)}]`),
    ),
    fromValues: compile(
      'values',
      object((_, i) => `values[${i}]`),
    ),
  };
}

const memberSpec: Spec<model.Member> = {
  id: 'text',
  userName: 'text',
  email: 'text',
  externalId: 'null',
  displayName: 'null',
  givenName: 'null',
  familyName: 'null',
  state: 'text',
  role: 'text',
  managed: 'bool',
  scimDeleted: 'bool',
  profile: 'json',
  pendingEmail: 'null',
  signedUpAt: 'null',
  confirmedAt: 'null',
  suspendedAt: 'null',
  createdAt: 'text',
  updatedAt: 'text',
  version: 'int',
};
export const MEMBER = table(memberSpec);
/** The listed fields only (`MemberView`'s), with the profile left as the JSON text stored. */
const {
  role,
  managed,
  scimDeleted,
  pendingEmail,
  signedUpAt,
  confirmedAt,
  suspendedAt,
  profile,
  ...listedSpec
} = memberSpec;
export const STORED_MEMBER = table<StoredMember>({ ...listedSpec, profileJson: ['profile', 'jsonText'] });

export const GROUP = table<model.Group>({
  id: 'text',
  displayName: 'text',
  externalId: 'null',
  kind: 'text',
  managed: 'bool',
  createdAt: 'text',
  updatedAt: 'text',
  version: 'int',
});
/** `name_key` is written, never read back: the name as compared (`groupNameKey`). */
export const GROUP_COLUMNS = `${GROUP.columns}, name_key`;
export const groupValues = (group: model.Group): unknown[] => [
  ...GROUP.values(group),
  groupNameKey(group.displayName),
];

export const ACCOUNT = table<model.Account>({
  id: 'text',
  name: 'text',
  allowedDomains: 'json',
  createdAt: 'text',
});
export const INTEGRATION = table<model.Integration>({
  id: 'text',
  state: 'text',
  keyId: 'text',
  signingPublicKey: 'text',
  provisioningPublicKey: 'text',
  createdAt: 'text',
  updatedAt: 'text',
});
export const MEMBER_KEYS = table<model.MemberKeys>({
  memberId: 'text',
  publicKey: 'text',
  encryptedPrivateKey: 'text',
  createdAt: 'text',
});
export const ACTIVITY = table<model.ActivityEntry>({
  id: 'text',
  at: 'text',
  actor: 'text',
  action: 'text',
  targetType: 'text',
  targetId: 'text',
  detail: 'record',
});
export const OUTBOX = table<model.OutboxMessage>({
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
export const EMAIL_CHANGE_TOKEN = table<model.EmailChangeToken>({
  tokenHash: 'text',
  memberId: 'text',
  newEmail: 'text',
  createdAt: 'text',
  expiresAt: 'text',
  usedAt: 'null',
});
// Sign-up and member sign-in (migration 3).
export const INVITATION = table<model.Invitation>({
  id: 'text',
  memberId: 'text',
  tokenHash: 'text',
  createdAt: 'text',
  expiresAt: 'text',
  usedAt: 'null',
  revokedAt: 'null',
});
export const CREDENTIAL = table<model.MemberCredential>({
  memberId: 'text',
  proofSalt: 'text',
  proofIterations: 'int',
  proofHash: 'text',
  createdAt: 'text',
});
export const SESSION = table<model.MemberSession>({
  tokenHash: 'text',
  memberId: 'text',
  createdAt: 'text',
  expiresAt: 'text',
});
// The key chain (migration 4).
export const GROUP_KEY = table<model.GroupKey>({
  groupId: 'text',
  publicKey: 'text',
  sealedForProvisioning: 'null',
  createdAt: 'text',
});
export const VAULT = table<model.Vault>({ id: 'text', name: 'text', createdAt: 'text' });
export const VAULT_GRANT = table<model.VaultGrant>({
  vaultId: 'text',
  groupId: 'text',
  sealedVaultKey: 'text',
  createdAt: 'text',
  permission: 'text',
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
export const API_CHALLENGE = table<model.ApiChallenge>({
  id: 'text',
  keyId: 'text',
  nonce: 'text',
  createdAt: 'text',
  expiresAt: 'text',
});
export const API_SESSION = table<model.ApiSession>({
  tokenHash: 'text',
  integrationId: 'text',
  keyId: 'text',
  address: 'text',
  createdAt: 'text',
  expiresAt: 'text',
});
export const FIREWALL_RULE = table<model.FirewallRule>({
  id: 'text',
  action: 'text',
  kind: 'text',
  cidr: 'null',
  note: 'null',
  createdAt: 'text',
});
/** A rule's values and `subject`, what makes two rules the same: their range, or the one network-list rule. */
export const firewallRuleValues = (rule: model.FirewallRule): unknown[] => [
  ...FIREWALL_RULE.values(rule),
  rule.kind === 'listed_networks' ? 'listed-networks' : rule.cidr,
];
// Monitoring (migration 7).
export const MONITORING_TOKEN = table<model.MonitoringToken>({
  tokenHash: 'text',
  id: 'text',
  label: 'text',
  createdAt: 'text',
});
export const BRIDGE_HEALTH = table<model.BridgeHealthRecord>({
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
