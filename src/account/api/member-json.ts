/**
 * Members in the account API's answers: each as its `MemberView`, the fields the bridge
 * renders and nothing more. Pages are built from members whose profile is still the stored
 * JSON text (`StoredMember`): the text goes into the answer as it is, so a page of 100
 * members costs neither 100 `JSON.parse` calls nor re-encoding what they built. The answer
 * is the same JSON as encoding the parsed view (same fields and values; only the position of
 * `profile` among the member's fields, and on PostgreSQL the whitespace inside it, differ),
 * which is what docs/api/openapi.json documents and the bridge's HTTP client reads.
 */
import type { MemberView } from '../client.ts';
import type { Page, StoredMember } from '../store.ts';

/** One of a member's groups, as `groupsOfMembers` gives it. */
interface GroupRef {
  id: string;
  displayName: string;
  managed: boolean;
}

/**
 * The stored profile as JSON text to splice in. The store writes `JSON.stringify(profile)`
 * (SQLite) or renders jsonb (PostgreSQL, `profile::text`): valid JSON of an object, which
 * starts with "{". Only that first character is checked here; a full validation would cost
 * what the splice saves. (SQLite's triggers parse every written profile, but they accept
 * JSON5 too: a row written by hand outside the store, with a trailing comma say, would make
 * an answer the bridge cannot parse — and see as a failed call, not a wrong member.) Text that does not start with "{" is not
 * what the store writes: it is re-encoded, which sends what the parsing path would have
 * sent for valid JSON and throws — failing the request loudly with a logged 500 — for text
 * that is not JSON, rather than emit a broken answer.
 */
function profileText(profileJson: string): string {
  return profileJson.charCodeAt(0) === 0x7b ? profileJson : JSON.stringify(JSON.parse(profileJson));
}

/**
 * A member's view fields but the profile, copied by name into a fresh literal: nothing the
 * bridge does not need leaves the account, and a page encodes about a fifth faster than with
 * `...rest` (this runs for every member of every page). `satisfies` makes the compiler flag
 * a field added to the view and missing here.
 */
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

/** One member as its `MemberView`: the other fields encoded, then `"profile":<stored text>` last. */
function memberJson(m: StoredMember): string {
  const head = JSON.stringify(viewHead(m));
  return `${head.slice(0, -1)},"profile":${profileText(m.profileJson)}}`;
}

/**
 * A page of `POST /members/search`: `{"total":…,"items":[…]}`, plus `"groups"` (an entry
 * per member on the page) when asked for.
 */
export function storedMemberPageJson(
  page: Page<StoredMember>,
  groups?: ReadonlyMap<string, readonly GroupRef[]>,
): string {
  const items = new Array<string>(page.items.length);
  for (let i = 0; i < page.items.length; i++) items[i] = memberJson(page.items[i]!);
  let json = `{"total":${JSON.stringify(page.total)},"items":[${items.join(',')}]`;
  if (groups !== undefined) {
    // Every member on the page gets an entry, an empty list too: "no groups" is not "not asked".
    const byMember = Object.fromEntries(page.items.map((member) => [member.id, groups.get(member.id) ?? []]));
    json += `,"groups":${JSON.stringify(byMember)}`;
  }
  return `${json}}`;
}
