import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemberView } from '../../account/client.ts';
import { listResponse, listResponseJson } from '../../scim/list-response.ts';
import { compileProjection, namesPlainProjectionChanges } from '../../scim/projection.ts';
import { USER_RESOURCE_TYPE } from '../../scim/schemas/resource-types.ts';
import { ENTERPRISE_USER_URN } from '../../scim/schemas/urns.ts';
import { topLevelMembers } from './profile-text.ts';
import { UserJsonWriter } from './user-json.ts';
import { type MemberGroupRef, toScimUser } from './user-mapping.ts';

const BASE = 'https://bridge.example/scim/v2';
const SKIP = namesPlainProjectionChanges(USER_RESOURCE_TYPE);
const project = compileProjection(USER_RESOURCE_TYPE, {});

function member(profile: Record<string, unknown>, overrides: Partial<MemberView> = {}): MemberView {
  return {
    id: '0190a0b0-0000-7000-8000-000000000001',
    userName: 'ada@example.com',
    email: 'ada@example.com',
    externalId: 'ext-1',
    displayName: 'Ada Lovelace',
    givenName: 'Ada',
    familyName: 'Lovelace',
    state: 'active',
    profile,
    createdAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-03T03:04:05.000Z',
    version: 4,
    ...overrides,
  };
}

/** What the object path sends for this member. */
function objectPath(m: MemberView, groups: MemberGroupRef[] = []): string {
  return JSON.stringify(project(toScimUser(m, groups, BASE)));
}

test('a user written from the stored text is the same JSON as the parsed and encoded user', () => {
  const groups = [
    { id: 'g-1', displayName: 'Engineering' },
    { id: 'g-"2"', displayName: 'Sales \\ "EMEA"' },
  ];
  const profiles: Array<Record<string, unknown>> = [
    {},
    { emails: [{ value: 'ada@example.com', primary: true }] },
    { name: { givenName: 'Ada' }, displayName: 'Countess', title: 'Analyst', roles: [] },
    {
      emails: [{ value: 'a@example.com', type: 'work', primary: true }],
      name: { formatted: 'Ada "The Enchantress" Lovelace', familyName: 'Lovelace' },
      [ENTERPRISE_USER_URN]: { employeeNumber: '7', manager: { value: 'm-1' } },
      phoneNumbers: [{ value: '+44 {20} [7946] 0000', type: 'work' }],
      nickName: 'back\\slash "quoted" \u2028 line ü 😀',
      x: null,
      n: -1.5e-7,
      flag: false,
      nested: [[{}, []], { a: [{ b: 'c]}' }] }],
    },
  ];
  // One writer for the whole page: a group renamed between two users is written anew.
  const writer = new UserJsonWriter(BASE, SKIP);
  const renamed = [{ id: 'g-1', displayName: 'Platform' }];
  for (const profile of profiles) {
    const variants: Array<Partial<MemberView>> = [
      {},
      { externalId: null, displayName: null, state: 'suspended' },
      { userName: 'bell\u0007 "q" \\ 😀 \ud800', externalId: 'tab\there', displayName: 'Ada\u2028' },
    ];
    for (const overrides of variants) {
      const m = member(profile, overrides);
      for (const memberGroups of [groups, renamed, groups]) {
        const text = writer.user(m, JSON.stringify(profile), memberGroups);
        assert.equal(text, objectPath(m, memberGroups), JSON.stringify(profile));
      }
    }
  }
});

test("PostgreSQL's jsonb text (a space after each colon and comma) is spliced in as well", () => {
  const profile = { emails: [{ value: 'a@example.com', primary: true }], title: 'x, y: z', roles: [] };
  // As PostgreSQL prints jsonb: keys by length, then bytes; one space after : and ,.
  const jsonbText =
    '{"roles": [], "title": "x, y: z", "emails": [{"value": "a@example.com", "primary": true}]}';
  const m = member(profile);
  const text = new UserJsonWriter(BASE, SKIP).user(m, jsonbText, []);
  assert.notEqual(text, undefined);
  assert.deepEqual(JSON.parse(text!), JSON.parse(objectPath(m)));
});

test('profiles the object path would change are left to it', () => {
  const leftToObjects: Array<Record<string, unknown>> = [
    { emails: [] }, // replaced by the account's address
    { emails: 'ada@example.com' },
    { name: {} },
    { name: 'Ada' },
    { displayName: null },
    { password: 'never shown' }, // removed by the projection
    { id: 'other' }, // would overwrite the id
    { '2': 'index-like names move to the front of an object' },
  ];
  for (const profile of leftToObjects) {
    assert.equal(
      new UserJsonWriter(BASE, SKIP).user(member(profile), JSON.stringify(profile), []),
      undefined,
    );
  }
});

test('stored text that is not compact, whole JSON is left to the parser', () => {
  for (const text of [
    '',
    '[]',
    '{"a":1',
    '{"a":1}}',
    '{ "a": 1 }',
    '{"a":  1}',
    '{"a": 1 ,"b": 2}',
    '{"a":[1,2}',
    '{"a":{"b":"c"]}',
    '{"a":"unterminated}',
    '{"a":1,"a":2}',
    '{"\\u0061":1}',
    '{"a":tru}',
    '{"a":01}',
    '{"a":1,}',
    'null',
  ]) {
    assert.equal(topLevelMembers(text), undefined, text);
  }
});

test('reads each top-level name with the kind of its value', () => {
  const members = topLevelMembers(
    '{"s":"}\\"]","e":[],"a":[{"x":"]"}],"o":{"k":{}},"eo":{},"n":12.5,"t":true,"z":null}',
  );
  assert.deepEqual(
    [...(members ?? [])],
    [
      ['s', 'string'],
      ['e', 'emptyArray'],
      ['a', 'array'],
      ['o', 'object'],
      ['eo', 'emptyObject'],
      ['n', 'literal'],
      ['t', 'literal'],
      ['z', 'literal'],
    ],
  );
  assert.deepEqual([...(topLevelMembers('{}') ?? ['not read'])], []);
});

test('quotes after backslashes end a string only after an even number of them', () => {
  const text = JSON.stringify({ a: 'x\\', b: 'say "hi"\\"', c: ['\\', { d: '\\\\"]' }], e: 1 });
  assert.deepEqual(
    [...(topLevelMembers(text) ?? [])],
    [
      ['a', 'string'],
      ['b', 'string'],
      ['c', 'array'],
      ['e', 'literal'],
    ],
  );
});

test('profiles nested deeper than the scanner follows are left to the parser', () => {
  const nested = (depth: number) => `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},"after":1}`;
  assert.deepEqual(
    [...(topLevelMembers(nested(256)) ?? [])].map(([name]) => name),
    ['deep', 'after'],
  );
  assert.equal(topLevelMembers(nested(257)), undefined);
  assert.equal(topLevelMembers('{"a":[}]}'), undefined);
  assert.equal(topLevelMembers('{"a":]}'), undefined);
});

test('the list envelope written as text is the envelope the object path encodes', () => {
  const resources = [{ id: 'a' }, { id: 'b', nested: { x: [1] } }];
  const texts = resources.map((resource) => JSON.stringify(resource));
  assert.equal(listResponseJson(texts, 7, 3), JSON.stringify(listResponse(resources, 7, 3)));
  assert.equal(listResponseJson([], 0, 1), JSON.stringify(listResponse([], 0, 1)));
});
