/**
 * A SCIM User written straight to JSON text from the profile text the account stored: the same
 * text as `JSON.stringify(toScimUser(…))`, without parsing the profile and encoding it again
 * (a page of 100 users spent most of its time there). Profiles this cannot copy as they are
 * give undefined, and the caller takes the object path.
 */
import type { MemberView } from '../../account/client.ts';
import { jsonString } from '../../json-string.ts';
import { etagFor } from '../../scim/etag.ts';
import { ENTERPRISE_USER_URN, USER_URN } from '../../scim/schemas/urns.ts';
import { topLevelMembers } from './profile-text.ts';
import { accountEmails, accountName, type MemberGroupRef, NOT_IN_PROFILE } from './user-mapping.ts';

const CORE_ONLY = JSON.stringify([USER_URN]);
const WITH_ENTERPRISE = JSON.stringify([USER_URN, ENTERPRISE_USER_URN]);
/** Kept out of the profile and written by the renderer itself (as on the object path), and `__proto__`. */
const RENDERED = new Set([...NOT_IN_PROFILE, '__proto__']);
const q = jsonString;

/**
 * Writes the users of one answer. Groups repeat from user to user on a page, so each group's
 * entry is written once. `skip`: names the answer's projection would change (see
 * `namesPlainProjectionChanges`); a profile holding one is left to the object path.
 */
export class UserJsonWriter {
  private readonly groupEntries = new Map<string, { displayName: string; text: string }>();
  private readonly usersPrefix: string;

  constructor(
    private readonly baseUrl: string,
    private readonly skip: ReadonlySet<string>,
  ) {
    // `"<base>/Users/` without its closing quote: an id written as JSON is appended to it.
    this.usersPrefix = q(`${baseUrl}/Users/`).slice(0, -1);
  }

  /** The user's JSON text, or undefined when the object path must write it. */
  user(member: MemberView, profileJson: string, groups: readonly MemberGroupRef[]): string | undefined {
    const members = topLevelMembers(profileJson);
    if (members === undefined) return undefined;
    for (const name of members.keys()) {
      // Index-like names go first in a JavaScript object, so the object path would move them.
      const first = name.charCodeAt(0);
      if (RENDERED.has(name) || this.skip.has(name) || (first >= 0x30 && first <= 0x39)) return undefined;
    }
    // toScimUser replaces these when unusable; only absent or usable ones are copied here.
    const emails = members.get('emails');
    const name = members.get('name');
    const displayName = members.get('displayName');
    if (emails !== undefined && emails !== 'array') return undefined;
    if (name !== undefined && name !== 'object') return undefined;
    if (displayName !== undefined && displayName !== 'string') return undefined;

    const id = q(member.id);
    let out = `{"schemas":${members.has(ENTERPRISE_USER_URN) ? WITH_ENTERPRISE : CORE_ONLY},"id":${id}`;
    if (member.externalId !== null) out += `,"externalId":${q(member.externalId)}`;
    out += `,"userName":${q(member.userName)}`;
    if (members.size > 0) out += `,${profileJson.slice(1, -1)}`;
    out += `,"active":${member.state !== 'suspended'},"groups":[`;
    for (let i = 0; i < groups.length; i++) out += `${i > 0 ? ',' : ''}${this.groupEntry(groups[i]!)}`;
    out += `],"meta":{"resourceType":"User","created":${q(member.createdAt)},"lastModified":${q(member.updatedAt)}`;
    out += `,"location":${this.usersPrefix}${id.slice(1)},"version":${JSON.stringify(etagFor(member.version))}}`;
    if (emails === undefined) out += `,"emails":${JSON.stringify(accountEmails(member))}`;
    if (name === undefined) out += `,"name":${JSON.stringify(accountName(member))}`;
    if (displayName === undefined && member.displayName !== null)
      out += `,"displayName":${q(member.displayName)}`;
    return `${out}}`;
  }

  private groupEntry(group: MemberGroupRef): string {
    const known = this.groupEntries.get(group.id);
    if (known !== undefined && known.displayName === group.displayName) return known.text;
    const text = `{"value":${q(group.id)},"$ref":${q(`${this.baseUrl}/Groups/${group.id}`)},"display":${q(group.displayName)},"type":"direct"}`;
    this.groupEntries.set(group.id, { displayName: group.displayName, text });
    return text;
  }
}
