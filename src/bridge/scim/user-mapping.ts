/**
 * SCIM User ⇄ account member. The only place where SCIM attribute names meet the account's
 * field names.
 */

import type { MemberInput, MemberView } from '../../account/client.ts';
import { addressNamedBy, EMAIL_SHAPE } from '../../account/profile-address.ts';
import { invalidValue } from '../../scim/errors.ts';
import { etagFor } from '../../scim/etag.ts';
import { ENTERPRISE_USER_URN, USER_URN } from '../../scim/schemas/urns.ts';

/** Attributes the account keeps in columns or never stores; the rest of the document is the profile. */
const NOT_IN_PROFILE = new Set([
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

/** Renders a member as a SCIM User resource (RFC 7643 §4.1). */
export function toScimUser(
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

/**
 * Maps a normalised SCIM User document to what the account needs. The member's e-mail is
 * the primary address, else the first work address, else the first address, else a
 * userName that is an e-mail address (IdPs commonly send only that).
 */
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
