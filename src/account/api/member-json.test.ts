import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeMember, UNUSUAL_PROFILES } from '../../storage/contract.ts';
import type { Member } from '../model.ts';
import type { StoredMember } from '../store.ts';
import { memberViewOf, storedMemberPageJson } from './member-json.ts';

/** What the store hands the API for `member`, with the profile text as given. */
function stored(member: Member, profileJson = JSON.stringify(member.profile)): StoredMember {
  const { profile: _profile, ...rest } = member;
  return { ...rest, profileJson };
}

const groupsOf = (id: string) => [{ id: `g-${id}`, displayName: `Group "${id}" ✓`, managed: true }];

describe('member answers from stored profile text', () => {
  const members = UNUSUAL_PROFILES.map(([label, profile], i) =>
    makeMember(`m${i}`, { displayName: label, profile, pendingEmail: i === 1 ? 'new@example.com' : null }),
  );

  const views = members.map(memberViewOf);

  test('a page is the same JSON as encoding the parsed members, with and without groups', () => {
    const page = { total: 40, items: members.map((member) => stored(member)) };
    assert.deepEqual(JSON.parse(storedMemberPageJson(page)), { total: 40, items: views });
    const groups = new Map(members.slice(1).map((member) => [member.id, groupsOf(member.id)]));
    assert.deepEqual(JSON.parse(storedMemberPageJson(page, groups)), {
      total: 40,
      items: views,
      // Every member on the page has an entry, an empty one too.
      groups: Object.fromEntries(members.map((member) => [member.id, groups.get(member.id) ?? []])),
    });
    assert.deepEqual(JSON.parse(storedMemberPageJson({ total: 0, items: [] })), { total: 0, items: [] });
  });

  test("PostgreSQL's rendering of jsonb (spaces, its own key order) is spliced as it is", () => {
    const member = makeMember('pg', { profile: { title: 'T', emails: [{ value: 'a@b.c', primary: true }] } });
    const text = '{"title": "T", "emails": [{"value": "a@b.c", "primary": true}]}';
    const json = storedMemberPageJson({ total: 1, items: [stored(member, text)] });
    assert.ok(json.includes(`"profile":${text}`));
    assert.deepEqual(JSON.parse(json), { total: 1, items: [memberViewOf(member)] });
  });

  test("members carry only what the bridge renders: none of the account's bookkeeping", () => {
    const [first] = JSON.parse(storedMemberPageJson({ total: 1, items: [stored(members[1]!)] })).items;
    assert.deepEqual(Object.keys(first).sort(), [
      'createdAt',
      'displayName',
      'email',
      'externalId',
      'familyName',
      'givenName',
      'id',
      'profile',
      'state',
      'updatedAt',
      'userName',
      'version',
    ]);
    assert.deepEqual(Object.keys(memberViewOf(members[1]!)).sort(), Object.keys(first).sort());
  });

  test('stored text that is not an object is re-encoded; text that is not JSON fails loudly', () => {
    const member = makeMember('odd');
    const profileOf = (text: string) =>
      JSON.parse(storedMemberPageJson({ total: 1, items: [stored(member, text)] })).items[0].profile;
    assert.deepEqual(profileOf(' {"a":1}'), { a: 1 });
    assert.equal(profileOf('null'), null);
    for (const broken of ['', 'nul', '[1,', '"open']) {
      assert.throws(
        () => storedMemberPageJson({ total: 1, items: [stored(member, broken)] }),
        SyntaxError,
        JSON.stringify(broken),
      );
    }
  });
});
