/** SCIM User ⇄ account member: the only place SCIM attribute names meet the account's field names. */

import type { MemberInput, MemberView } from '../../account/client.ts';
import { addressNamedBy, EMAIL_SHAPE } from '../../account/profile-address.ts';
import { invalidValue } from '../../scim/errors.ts';
import { etagFor } from '../../scim/etag.ts';
import { ENTERPRISE_USER_URN, USER_URN } from '../../scim/schemas/urns.ts';

/** Attributes the account keeps in columns or never stores; the rest of the document is the profile. */
export const NOT_IN_PROFILE: ReadonlySet<string> = new Set([
  'id',
  'meta',
  'groups',
  'password',
  'schemas',
  'active',
  'userName',
  'externalId',
]);

export interface MemberGroupRef {
  id: string;
  displayName: string;
}

/** Renders a member as a SCIM User (RFC 7643 §4.1), filling `emails`, `name` and `displayName` from the account where the IdP set none: IdPs read a list's first user to learn its shape. */
export function toScimUser(
  member: MemberView,
  groups: readonly MemberGroupRef[],
  baseUrl: string,
): Record<string, unknown> {
  const doc = storedUser(member, groups, baseUrl);
  if (!hasValues(doc.emails)) doc.emails = accountEmails(member);
  if (!isRecord(doc.name) || Object.keys(doc.name).length === 0) doc.name = accountName(member);
  if (typeof doc.displayName !== 'string' && member.displayName !== null)
    doc.displayName = member.displayName;
  return doc;
}

/** The User as the IdP last wrote it, without account defaults, so a PATCH writes back only what the IdP sent. */
export function storedUser(
  member: MemberView,
  groups: readonly MemberGroupRef[],
  baseUrl: string,
): Record<string, unknown> {
  const schemas =
    member.profile[ENTERPRISE_USER_URN] === undefined ? [USER_URN] : [USER_URN, ENTERPRISE_USER_URN];
  const location = `${baseUrl}/Users/${member.id}`;
  const doc: Record<string, unknown> = { schemas, id: member.id };
  if (member.externalId !== null) doc.externalId = member.externalId;
  doc.userName = member.userName;
  for (const key in member.profile) doc[key] = member.profile[key];
  doc.active = member.state !== 'suspended';
  doc.groups = groups.map((group) => ({
    value: group.id,
    $ref: `${baseUrl}/Groups/${group.id}`,
    display: group.displayName,
    type: 'direct',
  }));
  doc.meta = {
    resourceType: 'User',
    created: member.createdAt,
    lastModified: member.updatedAt,
    location,
    version: etagFor(member.version),
  };
  return doc;
}

/** The member's accepted address as the one, primary `emails` value. */
export function accountEmails(member: Pick<MemberView, 'email'>): Array<Record<string, unknown>> {
  return [{ value: member.email, primary: true }];
}

export function accountName(member: MemberView): Record<string, unknown> {
  const name: Record<string, unknown> = {};
  const parts = [member.givenName, member.familyName].filter((part) => part !== null);
  name.formatted = member.displayName ?? (parts.length > 0 ? parts.join(' ') : member.userName);
  if (member.familyName !== null) name.familyName = member.familyName;
  if (member.givenName !== null) name.givenName = member.givenName;
  return name;
}

/** No `emails` but an e-mail userName (Entra, source user without mail) counts as that address: the served schema requires `emails`. */
export function withUserNameAsEmail(body: unknown): unknown {
  if (!isRecord(body)) return body;
  let userName: unknown;
  for (const key of Object.keys(body)) {
    const lower = key.toLowerCase();
    if (lower === 'emails' && hasValues(body[key])) return body;
    if (lower === 'username') userName = body[key];
  }
  if (typeof userName !== 'string' || !EMAIL_SHAPE.test(userName.trim())) return body;
  const withoutEmails = Object.fromEntries(
    Object.entries(body).filter(([key]) => key.toLowerCase() !== 'emails'),
  );
  return { ...withoutEmails, emails: [{ value: userName.trim(), primary: true }] };
}

function hasValues(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** Maps a SCIM User to account fields; e-mail is primary, else work, else first, else an e-mail userName (IdPs often send only that). */
export function toMemberInput(doc: Record<string, unknown>): MemberInput {
  const userName = doc.userName;
  if (typeof userName !== 'string' || userName.trim() === '') {
    throw invalidValue('userName is required');
  }
  const email = addressNamedBy(doc.emails, userName);
  if (email === undefined) {
    throw invalidValue('an e-mail address is required: send emails, or a userName that is an e-mail address');
  }
  if (!EMAIL_SHAPE.test(email)) throw invalidValue(`"${email}" is not an e-mail address`);
  const name = isRecord(doc.name) ? doc.name : undefined;
  const givenName = stringOrNull(name?.givenName);
  const familyName = stringOrNull(name?.familyName);
  const displayName =
    stringOrNull(doc.displayName) ??
    stringOrNull(name?.formatted) ??
    ([givenName, familyName].filter((part) => part !== null).join(' ') || null);
  const profile: Record<string, unknown> = {};
  for (const key in doc) if (!NOT_IN_PROFILE.has(key)) profile[key] = doc[key];
  return {
    userName: userName.trim(),
    email: email.trim(),
    externalId: stringOrNull(doc.externalId),
    displayName,
    givenName,
    familyName,
    active: doc.active === undefined ? true : doc.active === true,
    profile,
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
