/** Stored profile text is spliced in as is: a page costs no `JSON.parse` per member. */
import type { MemberView } from '../client.ts';
import type { Page, StoredMember } from '../store.ts';

interface GroupRef {
  id: string;
  displayName: string;
  managed: boolean;
}

/**
 * Only the leading "{" is checked: full validation would cost what the splice saves. Anything
 * else is re-encoded, so non-JSON fails loudly with a 500 rather than a broken answer.
 */
function profileText(profileJson: string): string {
  return profileJson.charCodeAt(0) === 0x7b ? profileJson : JSON.stringify(JSON.parse(profileJson));
}

/** Copied by name: nothing extra leaves the account, and it encodes ~20% faster than `...rest`. */
function viewHead(m: Omit<MemberView, 'profile'>): Omit<MemberView, 'profile'> {
  return {
    id: m.id,
    userName: m.userName,
    email: m.email,
    externalId: m.externalId,
    displayName: m.displayName,
    givenName: m.givenName,
    familyName: m.familyName,
    state: m.state,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    version: m.version,
  } satisfies Omit<MemberView, 'profile'>;
}

/** What the API says of a member (`MemberView`), from the in-process client's full `Member`. */
export function memberViewOf(m: MemberView): MemberView {
  return { ...viewHead(m), profile: m.profile };
}

function memberJson(m: StoredMember, profileAsText: boolean): string {
  const head = JSON.stringify(viewHead(m)).slice(0, -1);
  const profile = profileText(m.profileJson);
  return profileAsText
    ? `${head},"profileJson":${JSON.stringify(profile)}}`
    : `${head},"profile":${profile}}`;
}

/**
 * A page of members as the API's JSON; `profilesAsText` (`?profiles=text`) sends each
 * profile as a string, which the bridge copies into its SCIM answer without parsing it.
 */
export function storedMemberPageJson(
  page: Page<StoredMember>,
  groups?: ReadonlyMap<string, readonly GroupRef[]>,
  profilesAsText = false,
): string {
  const items = new Array<string>(page.items.length);
  for (let i = 0; i < page.items.length; i++) items[i] = memberJson(page.items[i]!, profilesAsText);
  let json = `{"total":${JSON.stringify(page.total)},"items":[${items.join(',')}]`;
  if (groups !== undefined) {
    // Every member on the page gets an entry, an empty list too: "no groups" is not "not asked".
    const byMember = Object.fromEntries(page.items.map((member) => [member.id, groups.get(member.id) ?? []]));
    json += `,"groups":${JSON.stringify(byMember)}`;
  }
  return `${json}}`;
}
