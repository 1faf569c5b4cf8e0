/**
 * Row ↔ model mapping, one place per table, for both dialects. SQLite hands back booleans as
 * 0/1 and JSON as text; PostgreSQL hands back booleans and parsed jsonb. The readers accept
 * either; the writers always produce JSON text (PostgreSQL casts it to jsonb), and leave
 * booleans to the dialect's parameter binding.
 */
import type {
  Account,
  ActivityEntry,
  EmailChangeToken,
  Group,
  Integration,
  MailOutcome,
  Member,
  MemberKeys,
  OutboxMessage,
} from '../account/model.ts';
import type { StoredMember } from '../account/store.ts';

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
const MEMBER_KEYS = MEMBER_COLUMNS.split(', ');

/** A keyed row (PostgreSQL, SQLite single-row reads) as values in `MEMBER_COLUMNS` order. */
const memberValuesOf = (row: Row): unknown[] => MEMBER_KEYS.map((key) => row[key]);

export function memberFromRow(row: Row): Member {
  return memberFromValues(memberValuesOf(row));
}

/**
 * The same from a row read as an array in `MEMBER_COLUMNS` order (SQLite's raw rows): a page
 * of 100 members is then made without first building 100 keyed row objects.
 */
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

/**
 * JSON text as stored: SQLite's TEXT column, or PostgreSQL's jsonb selected as `::text`. A
 * value the driver has already parsed (jsonb selected without the cast) is written back as
 * text, so the result is JSON text either way.
 */
export const jsonText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

/**
 * `memberFromValues` with the profile left as stored JSON text (`StoredMember`). Written out
 * in full on purpose: building the shared columns once and adding the profile after made
 * `memberFromValues`, the hottest mapper of every read, about a fifth slower (the object
 * changes shape after it is made).
 */
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

export const GROUP_COLUMNS = 'id, display_name, external_id, kind, managed, created_at, updated_at, version';

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

export const ACCOUNT_COLUMNS = 'id, name, allowed_domains, created_at';

export function accountValues(account: Account): unknown[] {
  return [account.id, account.name, JSON.stringify(account.allowedDomains), account.createdAt];
}

export function accountFromRow(row: Row): Account {
  return {
    id: row.id as string,
    name: row.name as string,
    allowedDomains: json(row.allowed_domains),
    createdAt: row.created_at as string,
  };
}

export const INTEGRATION_COLUMNS =
  'id, state, key_id, signing_public_key, provisioning_public_key, created_at, updated_at';

export function integrationValues(integration: Integration): unknown[] {
  return [
    integration.id,
    integration.state,
    integration.keyId,
    integration.signingPublicKey,
    integration.provisioningPublicKey,
    integration.createdAt,
    integration.updatedAt,
  ];
}

export function integrationFromRow(row: Row): Integration {
  return {
    id: row.id as string,
    state: row.state as Integration['state'],
    keyId: row.key_id as string,
    signingPublicKey: row.signing_public_key as string,
    provisioningPublicKey: row.provisioning_public_key as string,
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
  };
}

export const MEMBER_KEY_COLUMNS = 'member_id, public_key, encrypted_private_key, created_at';

export function memberKeyValues(keys: MemberKeys): unknown[] {
  return [keys.memberId, keys.publicKey, keys.encryptedPrivateKey, keys.createdAt];
}

export function memberKeysFromRow(row: Row): MemberKeys {
  return {
    memberId: row.member_id as string,
    publicKey: row.public_key as string,
    encryptedPrivateKey: row.encrypted_private_key as string,
    createdAt: row.created_at as string,
  };
}

export const ACTIVITY_COLUMNS = 'id, at, actor, action, target_type, target_id, detail';

export function activityValues(entry: ActivityEntry): unknown[] {
  return [
    entry.id,
    entry.at,
    entry.actor,
    entry.action,
    entry.targetType,
    entry.targetId,
    JSON.stringify(entry.detail),
  ];
}

export function activityFromRow(row: Row): ActivityEntry {
  return {
    id: row.id as string,
    at: row.at as string,
    actor: row.actor as ActivityEntry['actor'],
    action: row.action as string,
    targetType: row.target_type as ActivityEntry['targetType'],
    targetId: row.target_id as string,
    detail: json(row.detail),
  };
}

export const OUTBOX_COLUMNS =
  'id, recipient, template, data, state, attempts, next_attempt_at, last_error, created_at, sent_at';

export function outboxValues(message: OutboxMessage): unknown[] {
  return [
    message.id,
    message.to,
    message.template,
    JSON.stringify(message.data),
    message.state,
    message.attempts,
    message.nextAttemptAt,
    message.lastError,
    message.createdAt,
    message.sentAt,
  ];
}

export function outboxFromRow(row: Row): OutboxMessage {
  return {
    id: row.id as string,
    to: row.recipient as string,
    template: row.template as OutboxMessage['template'],
    data: json(row.data),
    state: row.state as OutboxMessage['state'],
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at as string,
    lastError: text(row.last_error),
    createdAt: row.created_at as string,
    sentAt: text(row.sent_at),
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

export const EMAIL_CHANGE_TOKEN_COLUMNS = 'token_hash, member_id, new_email, created_at, expires_at, used_at';

export function emailChangeTokenValues(token: EmailChangeToken): unknown[] {
  return [token.tokenHash, token.memberId, token.newEmail, token.createdAt, token.expiresAt, token.usedAt];
}

export function emailChangeTokenFromRow(row: Row): EmailChangeToken {
  return {
    tokenHash: row.token_hash as string,
    memberId: row.member_id as string,
    newEmail: row.new_email as string,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string,
    usedAt: text(row.used_at),
  };
}

/** Maps a unique index or constraint name to the domain field it protects. */
export function uniqueFieldOf(
  constraint: string,
): 'userName' | 'email' | 'externalId' | 'displayName' | 'id' {
  if (constraint.includes('user_name')) return 'userName';
  if (constraint.includes('email')) return 'email';
  if (constraint.includes('external_id')) return 'externalId';
  if (constraint.includes('display_name')) return 'displayName';
  return 'id';
}

/** Appends `value` to the list kept under `key`. */
export function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
