/**
 * SCIM User ⇄ account member. The only place where SCIM attribute names meet the account's
 * field names.
 */

import type { MemberInput } from '../../account/client.ts';
import type { Member } from '../../account/model.ts';
import { untouchedProfileText } from '../../account/profile-text.ts';
import { invalidValue } from '../../scim/errors.ts';
import { etagFor } from '../../scim/etag.ts';
import { plainProjectionDrops } from '../../scim/projection.ts';
import { USER_RESOURCE_TYPE } from '../../scim/schemas/resource-types.ts';
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

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export interface MemberGroupRef {
  id: string;
  displayName: string;
}

/** Renders a member as a SCIM User resource (RFC 7643 §4.1). */
export function toScimUser(
  member: Member,
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
  doc.groups = groupRefs(groups, baseUrl);
  doc.meta = {
    resourceType: 'User',
    created: member.createdAt,
    lastModified: member.updatedAt,
    location,
    version: etagFor(member.version),
  };
  return doc;
}

function groupRefs(groups: readonly MemberGroupRef[], baseUrl: string) {
  return groups.map((group) => ({
    value: group.id,
    $ref: `${baseUrl}/Groups/${group.id}`,
    display: group.displayName,
    type: 'direct',
  }));
}

/** Top-level names that would not keep their place or value if spliced in from the profile text. */
const SPLICE_BLOCKERS = new Set([
  'schemas',
  'id',
  'externalId',
  'userName',
  'active',
  'groups',
  'meta',
  '__proto__',
  ...(plainProjectionDrops(USER_RESOURCE_TYPE) ?? []),
]);
const SPLICE_POSSIBLE = plainProjectionDrops(USER_RESOURCE_TYPE) !== undefined;
const SCHEMAS_CORE = JSON.stringify([USER_URN]);
const SCHEMAS_WITH_ENTERPRISE = JSON.stringify([USER_URN, ENTERPRISE_USER_URN]);

/**
 * The top-level keys of compact JSON object text (as JSON.stringify writes it), or undefined
 * for anything else: whitespace, escapes in keys, or not an object.
 */
export function topLevelKeys(text: string): string[] | undefined {
  const end = text.length - 1;
  if (text.charCodeAt(0) !== 0x7b || text.charCodeAt(end) !== 0x7d) return undefined;
  const keys: string[] = [];
  let i = 1;
  if (i === end) return keys;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) return undefined;
    const close = text.indexOf('"', i + 1);
    if (close < 0) return undefined;
    const key = text.slice(i + 1, close);
    if (key.includes('\\')) return undefined;
    keys.push(key);
    i = close + 1;
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    i = skipValue(text, i + 1);
    if (i < 0) return undefined;
    if (i === end) return keys;
    if (text.charCodeAt(i) !== 0x2c) return undefined;
    i++;
  }
}

/** Index just past the JSON value starting at `i`, or -1. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      if (i >= text.length) return -1;
      if (depth === 0) return i + 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && c === 0x2c) {
      return i;
    }
  }
  return -1;
}

/**
 * The SCIM User resource as JSON text, exactly as `JSON.stringify(toScimUser(…))` under a
 * request that names no attributes would write it, built around the profile's stored text
 * instead of parsing and re-serialising it. Undefined when that text is not at hand (the
 * profile was read or changed, or the store keeps it parsed) or cannot be spliced in safely.
 */
export function scimUserJson(
  member: Member,
  groups: readonly MemberGroupRef[],
  baseUrl: string,
): string | undefined {
  if (!SPLICE_POSSIBLE) return undefined;
  const profile = untouchedProfileText(member);
  if (profile === undefined) return undefined;
  const keys = topLevelKeys(profile);
  if (keys === undefined) return undefined;
  let enterprise = false;
  for (const key of keys) {
    // Integer-like keys would be reordered by an object; reserved ones replaced.
    if (SPLICE_BLOCKERS.has(key) || /^\d+$/.test(key)) return undefined;
    if (key === ENTERPRISE_USER_URN) enterprise = true;
  }
  const location = `${baseUrl}/Users/${member.id}`;
  let json = `{"schemas":${enterprise ? SCHEMAS_WITH_ENTERPRISE : SCHEMAS_CORE},"id":${JSON.stringify(member.id)}`;
  if (member.externalId !== null) json += `,"externalId":${JSON.stringify(member.externalId)}`;
  json += `,"userName":${JSON.stringify(member.userName)}`;
  if (keys.length > 0) json += `,${profile.slice(1, -1)}`;
  json += `,"active":${member.state !== 'suspended'},"groups":${JSON.stringify(groupRefs(groups, baseUrl))}`;
  json += `,"meta":${JSON.stringify({
    resourceType: 'User',
    created: member.createdAt,
    lastModified: member.updatedAt,
    location,
    version: etagFor(member.version),
  })}}`;
  return json;
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
  const email = pickEmail(doc.emails) ?? (EMAIL_SHAPE.test(userName) ? userName : undefined);
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

function pickEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails) || emails.length === 0) return undefined;
  const values = emails
    .filter(isRecord)
    .filter((entry) => typeof entry.value === 'string' && entry.value !== '');
  const chosen =
    values.find((entry) => entry.primary === true) ??
    values.find((entry) => typeof entry.type === 'string' && entry.type.toLowerCase() === 'work') ??
    values[0];
  return chosen?.value as string | undefined;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
