/**
 * The Store contract: one suite that every implementation must pass. Run it from each
 * implementation's test file with a factory that opens a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ActivityEntry, Group, Integration, Member, OutboxMessage } from '../account/model.ts';
import { type Page, type Store, type StoredMember, UniqueViolation } from '../account/store.ts';
import { ScimError } from '../scim/errors.ts';
import type { AttrPath, Filter } from '../scim/filter/ast.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

export function makeMember(id: string, overrides: Partial<Member> = {}): Member {
  return {
    id,
    userName: `${id}-user`,
    email: `${id}@example.com`,
    externalId: null,
    displayName: null,
    givenName: null,
    familyName: null,
    state: 'active',
    role: 'member',
    managed: true,
    scimDeleted: false,
    profile: {},
    pendingEmail: null,
    signedUpAt: null,
    confirmedAt: null,
    suspendedAt: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

export function makeGroup(id: string, overrides: Partial<Group> = {}): Group {
  return {
    id,
    displayName: `Group ${id}`,
    externalId: null,
    kind: 'custom',
    managed: true,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const path = (attr: string, sub?: string, schema?: string): AttrPath => ({ attr, sub, schema });
const eq = (p: AttrPath, value: string | boolean | null): Filter => ({ op: 'eq', path: p, value });

async function rejectsWith(promise: Promise<unknown>, status: number, scimType: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    return true;
  });
}

/** Four members covering every filterable attribute (ids sort in insertion order). */
const FILTER_MEMBERS: Member[] = [
  makeMember('m-a', {
    userName: 'alice',
    email: 'alice@example.com',
    externalId: 'ext-A',
    displayName: 'Alice Adams',
    givenName: 'Alice',
    familyName: 'Adams',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-10T00:00:00.000Z',
    profile: {
      title: 'Engineer',
      userType: 'Employee',
      nickName: 'Al',
      locale: 'en-US',
      preferredLanguage: 'en',
      name: { formatted: 'Alice Adams' },
      emails: [
        { type: 'work', value: 'alice@example.com', primary: true },
        { type: 'home', value: 'alice@home.org' },
      ],
      [ENTERPRISE]: {
        employeeNumber: '100',
        department: 'R&D',
        costCenter: 'CC1',
        organization: 'Org',
        division: 'North',
        manager: { value: 'm-b' },
      },
    },
  }),
  makeMember('m-b', {
    userName: 'bob',
    email: 'bob@example.com',
    externalId: 'ext-B',
    displayName: 'Bob Brown',
    givenName: 'Bob',
    familyName: 'Brown',
    state: 'suspended',
    createdAt: '2024-02-01T00:00:00.000Z',
    updatedAt: '2024-02-10T00:00:00.000Z',
    profile: {
      title: 'Manager',
      emails: [{ type: 'work', value: 'bob@example.com' }],
      [ENTERPRISE]: { department: 'Sales' },
    },
  }),
  makeMember('m-c', {
    userName: 'carol',
    email: 'carol@other.net',
    createdAt: '2024-03-01T00:00:00.000Z',
    updatedAt: '2024-03-10T00:00:00.000Z',
    profile: { emails: [] },
  }),
  makeMember('m-d', {
    userName: 'd%ve_1',
    email: 'dave@elsewhere.io',
    displayName: 'Dee',
    state: 'invited',
    createdAt: '2024-04-01T00:00:00.000Z',
    updatedAt: '2024-04-10T00:00:00.000Z',
    profile: { title: '' },
  }),
];

/** Profiles a JSON splice could get wrong: escapes, unicode, nesting, numbers, emptiness. */
export const UNUSUAL_PROFILES: Array<[string, Record<string, unknown>]> = [
  ['empty', {}],
  [
    'unicode',
    {
      displayName: 'Zoë Ångström-Łukasiewicz 山田太郎 🧑‍💻',
      nickName: 'مرحبا',
      title: '\u2028line\u2029separators',
    },
  ],
  [
    'escapes',
    {
      title: 'say "hi" \\ back\\slash\ttab\nnewline\u0001control </script>',
      'odd "key"\\': 'value',
    },
  ],
  [
    'nested objects and the enterprise extension',
    {
      name: {
        formatted: 'Ms. Ada Lovelace',
        givenName: 'Ada',
        familyName: 'Lovelace',
        honorificPrefix: 'Ms.',
      },
      emails: [
        { type: 'work', value: 'ada@example.com', primary: true },
        { type: 'home', value: 'ada@home.example' },
      ],
      addresses: [{ type: 'work', streetAddress: '1 Main St\nFloor 2', locality: 'London', primary: true }],
      [ENTERPRISE]: {
        employeeNumber: '701984',
        costCenter: '4130',
        department: 'Tour Operations',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
      },
      'urn:example:custom:1.0': { deep: { deeper: { deepest: [[1, [2, [3]]], { x: null }] } } },
    },
  ],
  [
    'scalars',
    { active: false, count: 0, ratio: -12.5, big: 12345678901234, tiny: 1e-7, none: null, list: [] },
  ],
];

/** A stored member as the in-process read would return it: the profile parsed. */
function parsedMember(stored: StoredMember): Member {
  const { profileJson, ...rest } = stored;
  return { ...rest, profile: JSON.parse(profileJson) };
}

/** Both reads serve the same page, item for item; the stored one holds each profile as JSON object text. */
async function assertSameAsStored(
  parsed: Page<Member>,
  stored: Page<StoredMember>,
  label: string,
): Promise<void> {
  assert.equal(stored.total, parsed.total, label);
  for (const item of stored.items) assert.equal(item.profileJson.trimStart()[0], '{', label);
  assert.deepEqual(stored.items.map(parsedMember), parsed.items, label);
}

const userFilterCases: Array<[string, Filter, string[]]> = [
  ['userName eq is case-insensitive', eq(path('userName'), 'ALICE'), ['m-a']],
  ['attribute names are case-insensitive', eq(path('USERNAME'), 'alice'), ['m-a']],
  ['core URN-qualified name', eq(path('userName', undefined, CORE_USER), 'alice'), ['m-a']],
  ['userName ne', { op: 'ne', path: path('userName'), value: 'alice' }, ['m-b', 'm-c', 'm-d']],
  ['userName co', { op: 'co', path: path('userName'), value: 'O' }, ['m-b', 'm-c']],
  ['userName sw', { op: 'sw', path: path('userName'), value: 'CA' }, ['m-c']],
  ['userName ew', { op: 'ew', path: path('userName'), value: 'CE' }, ['m-a']],
  ['co escapes %', { op: 'co', path: path('userName'), value: '%' }, ['m-d']],
  ['co escapes _', { op: 'co', path: path('userName'), value: 'e_' }, ['m-d']],
  ['userName gt is lexicographic', { op: 'gt', path: path('userName'), value: 'BOB' }, ['m-c', 'm-d']],
  ['userName le', { op: 'le', path: path('userName'), value: 'bob' }, ['m-a', 'm-b']],
  ['externalId is case-exact', eq(path('externalId'), 'ext-a'), []],
  ['externalId eq', eq(path('externalId'), 'ext-A'), ['m-a']],
  ['externalId sw is case-exact', { op: 'sw', path: path('externalId'), value: 'EXT' }, []],
  ['externalId co', { op: 'co', path: path('externalId'), value: 't-B' }, ['m-b']],
  ['externalId ew', { op: 'ew', path: path('externalId'), value: '-A' }, ['m-a']],
  ['externalId pr', { op: 'pr', path: path('externalId') }, ['m-a', 'm-b']],
  ['id eq', eq(path('id'), 'm-c'), ['m-c']],
  ['displayName eq', eq(path('displayName'), 'bob brown'), ['m-b']],
  ['displayName pr', { op: 'pr', path: path('displayName') }, ['m-a', 'm-b', 'm-d']],
  ['eq null means absent', eq(path('displayName'), null), ['m-c']],
  ['title eq', eq(path('title'), 'engineer'), ['m-a']],
  ['title pr ignores empty strings', { op: 'pr', path: path('title') }, ['m-a', 'm-b']],
  [
    'not includes rows without the attribute',
    { op: 'not', filter: eq(path('title'), 'Engineer') },
    ['m-b', 'm-c', 'm-d'],
  ],
  [
    'title ne includes rows without it',
    { op: 'ne', path: path('title'), value: 'Manager' },
    ['m-a', 'm-c', 'm-d'],
  ],
  ['userType', eq(path('userType'), 'employee'), ['m-a']],
  ['nickName', eq(path('nickName'), 'al'), ['m-a']],
  ['locale', eq(path('locale'), 'en-us'), ['m-a']],
  ['preferredLanguage', eq(path('preferredLanguage'), 'EN'), ['m-a']],
  ['active eq true', eq(path('active'), true), ['m-a', 'm-c', 'm-d']],
  ['active eq false', eq(path('active'), false), ['m-b']],
  ['name.givenName', eq(path('name', 'givenName'), 'ALICE'), ['m-a']],
  ['name.familyName sw', { op: 'sw', path: path('name', 'familyName'), value: 'b' }, ['m-b']],
  ['name.formatted co', { op: 'co', path: path('name', 'formatted'), value: 'adams' }, ['m-a']],
  ['emails eq matches any element', eq(path('emails'), 'ALICE@home.org'), ['m-a']],
  ['emails eq matches the account address', eq(path('emails'), 'carol@OTHER.net'), ['m-c']],
  ['emails.value co', { op: 'co', path: path('emails', 'value'), value: '@example.' }, ['m-a', 'm-b']],
  ['emails.type', eq(path('emails', 'type'), 'home'), ['m-a']],
  ['emails.primary', eq(path('emails', 'primary'), true), ['m-a']],
  [
    'value path: type and value on one element',
    {
      op: 'valuePath',
      path: path('emails'),
      filter: { op: 'and', left: eq(path('type'), 'work'), right: eq(path('value'), 'BOB@example.com') },
    },
    ['m-b'],
  ],
  [
    'value path: conditions must hold for the same element',
    {
      op: 'valuePath',
      path: path('emails'),
      filter: { op: 'and', left: eq(path('type'), 'home'), right: eq(path('value'), 'alice@example.com') },
    },
    [],
  ],
  [
    'value path with co',
    {
      op: 'valuePath',
      path: path('emails'),
      filter: {
        op: 'and',
        left: eq(path('type'), 'work'),
        right: { op: 'co', path: path('value'), value: '@EXAMPLE' },
      },
    },
    ['m-a', 'm-b'],
  ],
  [
    'value path with or and not',
    {
      op: 'valuePath',
      path: path('emails'),
      filter: {
        op: 'or',
        left: eq(path('type'), 'home'),
        right: { op: 'not', filter: eq(path('primary'), true) },
      },
    },
    ['m-a', 'm-b'],
  ],
  ['enterprise department (qualified)', eq(path('department', undefined, ENTERPRISE), 'r&d'), ['m-a']],
  ['enterprise employeeNumber', eq(path('employeeNumber', undefined, ENTERPRISE), '100'), ['m-a']],
  ['enterprise costCenter', eq(path('costCenter', undefined, ENTERPRISE), 'cc1'), ['m-a']],
  ['enterprise organization', eq(path('organization', undefined, ENTERPRISE), 'org'), ['m-a']],
  ['enterprise division', eq(path('division', undefined, ENTERPRISE), 'north'), ['m-a']],
  ['enterprise manager.value', eq(path('manager', 'value', ENTERPRISE), 'm-b'), ['m-a']],
  ['enterprise department unqualified', eq(path('department'), 'sales'), ['m-b']],
  [
    'meta.created gt',
    { op: 'gt', path: path('meta', 'created'), value: '2024-01-15T00:00:00Z' },
    ['m-b', 'm-c', 'm-d'],
  ],
  [
    'meta.created ge with an offset is compared as an instant',
    { op: 'ge', path: path('meta', 'created'), value: '2024-02-01T01:00:00+01:00' },
    ['m-b', 'm-c', 'm-d'],
  ],
  [
    'meta.lastModified lt',
    { op: 'lt', path: path('meta', 'lastModified'), value: '2024-02-10T00:00:00.000Z' },
    ['m-a'],
  ],
  ['meta.created eq', eq(path('meta', 'created'), '2024-03-01T00:00:00Z'), ['m-c']],
  [
    'or',
    { op: 'or', left: eq(path('userName'), 'alice'), right: eq(path('userName'), 'bob') },
    ['m-a', 'm-b'],
  ],
  [
    'and',
    {
      op: 'and',
      left: { op: 'sw', path: path('userName'), value: 'a' },
      right: eq(path('title'), 'Engineer'),
    },
    ['m-a'],
  ],
  [
    'not over or',
    {
      op: 'not',
      filter: { op: 'or', left: eq(path('userName'), 'alice'), right: { op: 'pr', path: path('title') } },
    },
    ['m-c', 'm-d'],
  ],
];

const badUserFilters: Array<[string, Filter]> = [
  ['an unknown attribute', eq(path('password'), 'x')],
  ['groups', eq(path('groups', 'value'), 'x')],
  ['a complex attribute without sub-attribute', eq(path('name'), 'x')],
  ['an unknown sub-attribute', eq(path('emails', 'foo'), 'x')],
  ['an enterprise name under the core URN', eq(path('department', undefined, CORE_USER), 'x')],
  ['an unknown schema', eq(path('userName', undefined, 'urn:example:foo'), 'x')],
  ['ordering a boolean', { op: 'gt', path: path('active'), value: true }],
  ['a boolean against a string value', eq(path('active'), 'yes')],
  ['a dateTime that is not one', eq(path('meta', 'created'), 'yesterday')],
  ['co on a dateTime', { op: 'co', path: path('meta', 'created'), value: '2024' }],
  ['a string against a boolean', eq(path('userName'), true)],
  ['gt null', { op: 'gt', path: path('userName'), value: null }],
  [
    'an unknown value-path sub-attribute',
    { op: 'valuePath', path: path('emails'), filter: eq(path('foo'), 'x') },
  ],
  [
    'a nested value path',
    {
      op: 'valuePath',
      path: path('emails'),
      filter: { op: 'valuePath', path: path('emails'), filter: eq(path('value'), 'x') },
    },
  ],
  [
    'a value path on a single-valued attribute',
    { op: 'valuePath', path: path('userName'), filter: eq(path('value'), 'x') },
  ],
];

export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('members', () => {
      test('insert then get returns the same member', async () => {
        const member = FILTER_MEMBERS[0]!;
        await store.insertMember(member);
        assert.deepEqual(await store.getMember('m-a'), member);
        assert.equal(await store.getMember('nope'), undefined);
      });

      test('find by userName and e-mail ignore case; externalId does not', async () => {
        for (const member of FILTER_MEMBERS) await store.insertMember(member);
        assert.equal((await store.findMemberByUserName('ALICE'))?.id, 'm-a');
        assert.equal((await store.findMemberByEmail('Bob@Example.COM'))?.id, 'm-b');
        assert.equal((await store.findMemberByExternalId('ext-B'))?.id, 'm-b');
        assert.equal(await store.findMemberByExternalId('EXT-B'), undefined);
        assert.equal(await store.findMemberByUserName('nobody'), undefined);
      });

      const conflicts: Array<[string, Partial<Member>, UniqueViolation['field']]> = [
        ['userName differing in case', { userName: 'X-USER' }, 'userName'],
        ['email differing in case', { email: 'X@EXAMPLE.com' }, 'email'],
        ['id', { id: 'x' }, 'id'],
      ];
      for (const [label, clash, field] of conflicts) {
        test(`insert refuses a taken ${label}`, async () => {
          await store.insertMember(makeMember('x'));
          const other = makeMember('y', clash);
          await assert.rejects(store.insertMember(other), (error: unknown) => {
            assert.ok(error instanceof UniqueViolation);
            assert.equal(error.field, field);
            return true;
          });
        });
      }

      test('update checks the version', async () => {
        await store.insertMember(makeMember('x'));
        const changed = makeMember('x', { displayName: 'X', version: 2, profile: { title: 'T' } });
        assert.equal(await store.updateMember(changed, 1), true);
        assert.deepEqual(await store.getMember('x'), changed);
        const stale = makeMember('x', { displayName: 'stale', version: 2 });
        assert.equal(await store.updateMember(stale, 1), false);
        assert.equal((await store.getMember('x'))?.displayName, 'X');
        assert.equal(await store.updateMember(makeMember('missing', { version: 2 }), 1), false);
      });

      test('update refuses a taken e-mail', async () => {
        await store.insertMember(makeMember('x'));
        await store.insertMember(makeMember('y'));
        const clash = makeMember('y', { email: 'X@example.com', version: 2 });
        await assert.rejects(store.updateMember(clash, 1), (error: unknown) => {
          assert.ok(error instanceof UniqueViolation);
          assert.equal(error.field, 'email');
          return true;
        });
      });

      test('existingMemberIds leaves out unknown and SCIM-deleted members', async () => {
        await store.insertMember(makeMember('x'));
        await store.insertMember(makeMember('y', { scimDeleted: true }));
        assert.deepEqual(await store.existingMemberIds(['x', 'y', 'z']), ['x']);
        assert.deepEqual(await store.existingMemberIds([]), []);
      });
    });

    describe('groups', () => {
      test('insert, get, find, update, delete', async () => {
        const group = makeGroup('g1', {
          displayName: 'Engineering',
          externalId: 'G-1',
          kind: 'team_members',
        });
        await store.insertGroup(group);
        assert.deepEqual(await store.getGroup('g1'), group);
        assert.equal((await store.findGroupByDisplayName('ENGINEERING'))?.id, 'g1');
        assert.equal((await store.findGroupByKind('team_members'))?.id, 'g1');
        assert.equal(await store.findGroupByKind('owners'), undefined);
        const renamed = { ...group, displayName: 'Eng', version: 2 };
        assert.equal(await store.updateGroup(renamed, 1), true);
        assert.equal(await store.updateGroup({ ...renamed, version: 3 }, 1), false);
        assert.deepEqual(await store.getGroup('g1'), renamed);
        assert.equal(await store.deleteGroup('g1'), true);
        assert.equal(await store.deleteGroup('g1'), false);
        assert.equal(await store.getGroup('g1'), undefined);
      });

      test('displayName is unique after NFKC and case folding, and found that way', async () => {
        await store.insertGroup(makeGroup('g1', { displayName: 'Ｏps' }));
        assert.equal((await store.findGroupByDisplayName('OPS'))?.id, 'g1');
        assert.equal((await store.findGroupByDisplayName('ops'))?.id, 'g1');
        for (const displayName of ['ops', 'ＯＰＳ']) {
          await assert.rejects(store.insertGroup(makeGroup('g2', { displayName })), (error: unknown) => {
            assert.ok(error instanceof UniqueViolation);
            assert.equal(error.field, 'displayName');
            return true;
          });
        }
        await store.insertGroup(makeGroup('g3', { displayName: 'Straße' }));
        assert.equal((await store.findGroupByDisplayName('STRASSE'))?.id, 'g3');
      });

      test('displayName is unique ignoring case', async () => {
        await store.insertGroup(makeGroup('g1', { displayName: 'Sales' }));
        await assert.rejects(
          store.insertGroup(makeGroup('g2', { displayName: 'SALES' })),
          (error: unknown) => {
            assert.ok(error instanceof UniqueViolation);
            assert.equal(error.field, 'displayName');
            return true;
          },
        );
      });
    });

    describe('membership', () => {
      beforeEach(async () => {
        for (const id of ['a', 'b', 'c', 'd']) {
          await store.insertMember(makeMember(id, { displayName: id === 'b' ? 'Bee' : null }));
        }
        await store.insertGroup(makeGroup('g1'));
        await store.insertGroup(makeGroup('g2', { managed: false }));
      });

      test('add is idempotent and counts only new rows', async () => {
        assert.equal(await store.addGroupMembers('g1', ['a', 'b', 'a']), 2);
        assert.equal(await store.addGroupMembers('g1', ['a', 'c']), 1);
        assert.equal(await store.addGroupMembers('g1', []), 0);
        assert.equal(await store.countGroupMembers('g1'), 3);
        assert.deepEqual((await store.filterGroupMembers('g1', ['a', 'b', 'd', 'zz'])).sort(), ['a', 'b']);
      });

      test('add ignores ids that are not members', async () => {
        assert.equal(await store.addGroupMembers('g1', ['a', 'ghost']), 1);
        assert.deepEqual(await store.filterGroupMembers('g1', ['a', 'ghost']), ['a']);
      });

      test('remove counts removed rows', async () => {
        await store.addGroupMembers('g1', ['a', 'b', 'c']);
        assert.equal(await store.removeGroupMembers('g1', ['a', 'zz', 'a']), 1);
        assert.equal(await store.removeGroupMembers('g1', ['a']), 0);
        assert.equal(await store.removeAllGroupMembers('g1'), 2);
        assert.equal(await store.countGroupMembers('g1'), 0);
      });

      test('listGroupMembers pages by member id and shows displayName or email', async () => {
        await store.addGroupMembers('g1', ['d', 'b', 'a', 'c']);
        const first = await store.listGroupMembers('g1', { limit: 3 });
        assert.deepEqual(first, [
          { id: 'a', display: 'a@example.com' },
          { id: 'b', display: 'Bee' },
          { id: 'c', display: 'c@example.com' },
        ]);
        assert.deepEqual(await store.listGroupMembers('g1', { afterMemberId: 'c', limit: 3 }), [
          { id: 'd', display: 'd@example.com' },
        ]);
      });

      test('listGroupsOfMembers answers for many members at once', async () => {
        await store.addGroupMembers('g1', ['a', 'b']);
        await store.addGroupMembers('g2', ['b']);
        const groups = await store.listGroupsOfMembers(['a', 'b', 'c']);
        assert.deepEqual(groups.get('a'), [{ id: 'g1', displayName: 'Group g1', managed: true }]);
        assert.deepEqual(groups.get('b'), [
          { id: 'g1', displayName: 'Group g1', managed: true },
          { id: 'g2', displayName: 'Group g2', managed: false },
        ]);
        assert.equal(groups.get('c'), undefined);
      });

      test('listGroupsOfMembers lists each member’s groups in creation order', async () => {
        // Ids sort the other way round, so that an order by id would show.
        await store.insertGroup(makeGroup('z-first'));
        await store.insertGroup(makeGroup('m-second', { managed: false }));
        await store.insertGroup(makeGroup('a-third'));
        for (const groupId of ['a-third', 'z-first', 'm-second'])
          await store.addGroupMembers(groupId, ['a', 'c']);
        await store.addGroupMembers('a-third', ['d']);
        const expected = ['z-first', 'm-second', 'a-third'];
        const one = await store.listGroupsOfMembers(['a']);
        assert.deepEqual(
          one.get('a')?.map((group) => group.id),
          expected,
        );
        assert.equal(one.get('a')?.[1]?.managed, false);
        const many = await store.listGroupsOfMembers(['d', 'c', 'a', 'b', 'nobody']);
        assert.deepEqual(many.get('a'), one.get('a'));
        assert.deepEqual(
          many.get('c')?.map((group) => group.id),
          expected,
        );
        assert.deepEqual(many.get('d'), [{ id: 'a-third', displayName: 'Group a-third', managed: true }]);
        assert.equal(many.get('b'), undefined);
        assert.equal(many.has('nobody'), false);
      });

      test('listGroupsOfMembers leaves out members between those asked for', async () => {
        // b and c sort between a and d: they are in range but were not asked for.
        await store.addGroupMembers('g1', ['a', 'b', 'c', 'd']);
        await store.addGroupMembers('g2', ['b', 'c']);
        const groups = await store.listGroupsOfMembers(['d', 'a']);
        assert.deepEqual([...groups.keys()].sort(), ['a', 'd']);
        assert.deepEqual(groups.get('d'), [{ id: 'g1', displayName: 'Group g1', managed: true }]);
      });

      test('listGroupsOfMembers is complete for members in many groups and for any ids', async () => {
        const many = Array.from({ length: 20 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
        for (const id of many) {
          await store.insertGroup(makeGroup(id));
          await store.addGroupMembers(id, ['a', 'b']);
        }
        await store.addGroupMembers('g1', ['b']);
        await store.insertMember(makeMember('ü-member'));
        await store.addGroupMembers('g1', ['ü-member']);
        const groups = await store.listGroupsOfMembers(['a', 'b']);
        assert.deepEqual(
          groups.get('a')?.map((group) => group.id),
          many,
        );
        assert.deepEqual(
          groups.get('b')?.map((group) => group.id),
          ['g1', ...many],
        );
        const unusual = await store.listGroupsOfMembers(['ü-member', 'b']);
        assert.deepEqual(
          unusual.get('ü-member')?.map((group) => group.id),
          ['g1'],
        );
        assert.equal(unusual.get('b')?.length, 21);
      });

      test('deleting a group removes its memberships', async () => {
        await store.addGroupMembers('g1', ['a']);
        await store.deleteGroup('g1');
        assert.equal((await store.listGroupsOfMembers(['a'])).size, 0);
      });
    });

    describe('filters', () => {
      beforeEach(async () => {
        for (const member of FILTER_MEMBERS) await store.insertMember(member);
      });

      for (const [label, filter, expected] of userFilterCases) {
        test(`users: ${label}`, async () => {
          const page = await store.listMembers({ filter, startIndex: 1, count: 50 });
          assert.deepEqual(
            page.items.map((member) => member.id),
            expected,
          );
          assert.equal(page.total, expected.length);
        });
      }

      for (const [label, filter] of badUserFilters) {
        test(`users: refuses ${label} with 400 invalidFilter`, async () => {
          await rejectsWith(store.listMembers({ filter, startIndex: 1, count: 10 }), 400, 'invalidFilter');
          await rejectsWith(
            store.listMembersAsStored({ filter, startIndex: 1, count: 10 }),
            400,
            'invalidFilter',
          );
        });
      }

      test('users as stored: every filter and sort serves the same page, profiles as stored text', async () => {
        for (const [label, filter] of userFilterCases) {
          const query = { filter, startIndex: 1, count: 50 };
          await assertSameAsStored(
            await store.listMembers(query),
            await store.listMembersAsStored(query),
            label,
          );
        }
        for (const sortBy of [path('userName'), path('title'), path('department', undefined, ENTERPRISE)]) {
          for (const descending of [false, true]) {
            const query = { sortBy, descending, startIndex: 2, count: 2 };
            await assertSameAsStored(
              await store.listMembers(query),
              await store.listMembersAsStored(query),
              `${sortBy.attr} ${descending}`,
            );
          }
        }
      });

      test('groups: every supported attribute', async () => {
        await store.insertGroup(makeGroup('g1', { displayName: 'Engineering', externalId: 'G-1' }));
        await store.insertGroup(
          makeGroup('g2', {
            displayName: 'Sales',
            createdAt: '2024-06-01T00:00:00.000Z',
            updatedAt: '2024-06-02T00:00:00.000Z',
          }),
        );
        await store.insertGroup(makeGroup('g3', { displayName: 'engineers' }));
        await store.addGroupMembers('g1', ['m-a', 'm-b']);
        await store.addGroupMembers('g2', ['m-b']);
        const cases: Array<[Filter, string[]]> = [
          [eq(path('displayName'), 'ENGINEERING'), ['g1']],
          [{ op: 'sw', path: path('displayName'), value: 'engineer' }, ['g1', 'g3']],
          [eq(path('externalId'), 'G-1'), ['g1']],
          [eq(path('externalId'), 'g-1'), []],
          [eq(path('id'), 'g2'), ['g2']],
          [eq(path('members'), 'm-a'), ['g1']],
          [eq(path('members', 'value'), 'm-b'), ['g1', 'g2']],
          [{ op: 'valuePath', path: path('members'), filter: eq(path('value'), 'm-a') }, ['g1']],
          [{ op: 'pr', path: path('members') }, ['g1', 'g2']],
          [{ op: 'not', filter: { op: 'pr', path: path('members') } }, ['g3']],
          [{ op: 'gt', path: path('meta', 'created'), value: '2024-05-01T00:00:00Z' }, ['g2']],
          [{ op: 'le', path: path('meta', 'lastModified'), value: '2024-01-01T00:00:00Z' }, ['g1', 'g3']],
          [
            eq(path('displayName', undefined, 'urn:ietf:params:scim:schemas:core:2.0:Group'), 'sales'),
            ['g2'],
          ],
        ];
        for (const [filter, expected] of cases) {
          const page = await store.listGroups({ filter, startIndex: 1, count: 10 });
          assert.deepEqual(
            page.items.map((group) => group.id),
            expected,
            JSON.stringify(filter),
          );
          assert.equal(page.total, expected.length);
        }
        await rejectsWith(
          store.listGroups({ filter: eq(path('members', 'display'), 'x'), startIndex: 1, count: 10 }),
          400,
          'invalidFilter',
        );
        await rejectsWith(
          store.listGroups({ filter: eq(path('userName'), 'x'), startIndex: 1, count: 10 }),
          400,
          'invalidFilter',
        );
      });

      test('filter values are parameters, never SQL', async () => {
        const page = await store.listMembers({
          filter: eq(path('userName'), "alice' OR '1'='1"),
          startIndex: 1,
          count: 10,
        });
        assert.equal(page.total, 0);
      });
    });

    describe('lists', () => {
      const ids = Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`);
      beforeEach(async () => {
        // userNames sort in the reverse of insertion order.
        for (const [i, id] of ids.entries()) {
          await store.insertMember(makeMember(id, { userName: `name-${String(99 - i).padStart(2, '0')}` }));
        }
      });

      async function sweep(pageSize: number, query: { sortBy?: AttrPath; descending?: boolean } = {}) {
        const seen: string[] = [];
        for (let startIndex = 1; ; startIndex += pageSize) {
          const page = await store.listMembers({ ...query, startIndex, count: pageSize });
          seen.push(...page.items.map((member) => member.id));
          if (page.items.length < pageSize) return { seen, total: page.total };
        }
      }

      test('default order is creation order; a sweep returns each row once', async () => {
        const { seen, total } = await sweep(7);
        assert.deepEqual(seen, ids);
        assert.equal(total, 25);
      });

      test('random access by startIndex matches the sweep', async () => {
        const page = await store.listMembers({ startIndex: 11, count: 3 });
        assert.deepEqual(
          page.items.map((member) => member.id),
          ids.slice(10, 13),
        );
        const descending = await store.listMembers({ startIndex: 2, count: 2, descending: true });
        assert.deepEqual(
          descending.items.map((member) => member.id),
          [ids[23], ids[22]],
        );
      });

      test('pages of a sweep asked for out of order still hold the right rows', async () => {
        // Concurrent sweeps ask for page k+1 before page k is served; each answer must still
        // be exactly its page, in both orders.
        for (const query of [{}, { sortBy: path('userName') }]) {
          const expected = 'sortBy' in query ? [...ids].reverse() : ids;
          const page = async (startIndex: number) =>
            (await store.listMembers({ ...query, startIndex, count: 4 })).items.map((member) => member.id);
          assert.deepEqual(await page(1), expected.slice(0, 4));
          assert.deepEqual(await page(9), expected.slice(8, 12));
          assert.deepEqual(await page(5), expected.slice(4, 8));
          assert.deepEqual(await page(17), expected.slice(16, 20));
          assert.deepEqual(await page(13), expected.slice(12, 16));
          assert.deepEqual(await page(21), expected.slice(20, 24));
          assert.deepEqual(await page(25), expected.slice(24, 25));
        }
      });

      test('sortBy userName (ascending and descending)', async () => {
        assert.deepEqual((await sweep(4, { sortBy: path('userName') })).seen, [...ids].reverse());
        assert.deepEqual((await sweep(4, { sortBy: path('userName'), descending: true })).seen, ids);
      });

      test('sortBy a nullable attribute puts missing values last', async () => {
        await store.updateMember(
          makeMember(ids[5]!, { userName: 'name-94', displayName: 'b', version: 2 }),
          1,
        );
        await store.updateMember(
          makeMember(ids[9]!, { userName: 'name-90', displayName: 'A', version: 2 }),
          1,
        );
        const { seen } = await sweep(6, { sortBy: path('displayName') });
        assert.deepEqual(seen.slice(0, 2), [ids[9], ids[5]]);
        assert.equal(seen.length, 25);
        assert.equal(new Set(seen).size, 25);
      });

      test('rows inserted during a sweep cause no duplicates', async () => {
        for (const sortBy of [undefined, path('userName')]) {
          const seen: string[] = [];
          for (let startIndex = 1, round = 0; ; startIndex += 5, round++) {
            const page = await store.listMembers({ startIndex, count: 5, sortBy });
            seen.push(...page.items.map((member) => member.id));
            if (page.items.length < 5) break;
            // one that sorts first by userName, one that sorts last
            await store.insertMember(
              makeMember(`new-${sortBy ? 's' : 'd'}${round}`, {
                userName: `aaa-${sortBy ? 's' : 'd'}${round}`,
              }),
            );
          }
          assert.equal(new Set(seen).size, seen.length, 'no row served twice');
          for (const id of ids) assert.ok(seen.includes(id), `${id} was served`);
        }
      });

      test('as stored: a sweep, totals and SCIM deletes match listMembers', async () => {
        await store.updateMember(
          makeMember(ids[3]!, { userName: 'name-96', scimDeleted: true, version: 2 }),
          1,
        );
        for (const excludeScimDeleted of [false, true]) {
          const seen: string[] = [];
          for (let startIndex = 1; startIndex <= 30; startIndex += 7) {
            const query = { startIndex, count: 7, excludeScimDeleted };
            const stored = await store.listMembersAsStored(query);
            await assertSameAsStored(await store.listMembers(query), stored, `${startIndex}`);
            seen.push(...stored.items.map((member) => member.id));
          }
          assert.deepEqual(seen, excludeScimDeleted ? ids.filter((id) => id !== ids[3]) : ids);
        }
        assert.deepEqual(await store.listMembersAsStored({ startIndex: 1, count: 0 }), {
          total: 25,
          items: [],
        });
        assert.deepEqual(await store.listMembersAsStored({ startIndex: 100, count: 5 }), {
          total: 25,
          items: [],
        });
      });

      test('as stored: unusual profiles come back as JSON text of exactly what was written', async () => {
        for (const [i, [label, profile]] of UNUSUAL_PROFILES.entries()) {
          await store.updateMember(
            makeMember(ids[i]!, { userName: `name-${99 - i}`, profile, version: 2 }),
            1,
          );
          const query = { startIndex: i + 1, count: 1 };
          const stored = await store.listMembersAsStored(query);
          assert.deepEqual(JSON.parse(stored.items[0]!.profileJson), profile, label);
          await assertSameAsStored(await store.listMembers(query), stored, label);
        }
      });

      test('count 0 returns the total only', async () => {
        const page = await store.listMembers({ startIndex: 1, count: 0 });
        assert.deepEqual(page, { total: 25, items: [] });
      });

      test('past the end: no rows, right total', async () => {
        const page = await store.listMembers({ startIndex: 100, count: 10 });
        assert.deepEqual(page, { total: 25, items: [] });
      });

      test('totals follow inserts, SCIM deletes and filters', async () => {
        const scimDeleted = makeMember(ids[0]!, { userName: 'name-99', scimDeleted: true, version: 2 });
        await store.updateMember(scimDeleted, 1);
        assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 25);
        assert.equal(
          (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
          24,
        );
        const live = await store.listMembers({ startIndex: 1, count: 100, excludeScimDeleted: true });
        assert.equal(live.items.length, 24);
        assert.ok(!live.items.some((member) => member.id === ids[0]));
        await store.insertMember(makeMember('late'));
        assert.equal(
          (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
          25,
        );
        await store.updateMember({ ...scimDeleted, scimDeleted: false, version: 3 }, 2);
        assert.equal(
          (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
          26,
        );
        const filtered = await store.listMembers({
          startIndex: 1,
          count: 2,
          filter: { op: 'sw', path: path('userName'), value: 'name-9' },
        });
        assert.equal(filtered.total, 10);
        assert.equal(filtered.items.length, 2);
      });

      test('group totals follow managed flags and deletes', async () => {
        await store.insertGroup(makeGroup('g1'));
        await store.insertGroup(makeGroup('g2', { managed: false }));
        assert.equal((await store.listGroups({ startIndex: 1, count: 0 })).total, 2);
        assert.equal((await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total, 1);
        await store.updateGroup(makeGroup('g2', { managed: true, version: 2 }), 1);
        const managed = await store.listGroups({ startIndex: 1, count: 10, managedOnly: true });
        assert.deepEqual(
          managed.items.map((group) => group.id),
          ['g1', 'g2'],
        );
        assert.equal(managed.total, 2);
        await store.deleteGroup('g1');
        assert.equal((await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total, 1);
        assert.equal((await store.listGroups({ startIndex: 1, count: 0 })).total, 1);
      });

      test('sortBy an unsupported attribute is 400 invalidValue', async () => {
        await rejectsWith(
          store.listMembers({ startIndex: 1, count: 5, sortBy: path('password') }),
          400,
          'invalidValue',
        );
        await rejectsWith(
          store.listMembers({ startIndex: 1, count: 5, sortBy: path('active') }),
          400,
          'invalidValue',
        );
      });
    });

    describe('transactions', () => {
      test('commit keeps every write', async () => {
        await store.transaction(async (tx) => {
          await tx.insertMember(makeMember('x'));
          await tx.enqueueMail(makeMail('mail-1'));
        });
        assert.ok(await store.getMember('x'));
        assert.ok(await store.getMail('mail-1'));
      });

      test('a thrown error rolls back every write and is rethrown', async () => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertMember(makeMember('x'));
            await tx.enqueueMail(makeMail('mail-1'));
            await delay(1);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await store.getMember('x'), undefined);
        assert.equal(await store.getMail('mail-1'), undefined);
        assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 0);
      });

      test('a unique violation inside a transaction rolls it back', async () => {
        await store.insertMember(makeMember('x'));
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertMember(makeMember('y'));
            await tx.insertMember(makeMember('z', { userName: 'X-USER' }));
          }),
          UniqueViolation,
        );
        assert.equal(await store.getMember('y'), undefined);
      });

      test('nested transactions join the outer one', async () => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertMember(makeMember('x'));
            await store.transaction(async (inner) => {
              await inner.insertMember(makeMember('y'));
            });
            assert.ok(await store.getMember('y'), 'the store sees its own transaction');
            throw new Error('undo');
          }),
          /undo/,
        );
        assert.equal(await store.getMember('x'), undefined);
        assert.equal(await store.getMember('y'), undefined);
      });

      test('other callers neither see nor join an open transaction', async () => {
        let opened!: () => void;
        const isOpen = new Promise<void>((resolve) => {
          opened = resolve;
        });
        const transaction = store.transaction(async (tx) => {
          await tx.insertMember(makeMember('x'));
          opened();
          await delay(20);
          throw new Error('undo');
        });
        await isOpen;
        // These calls come from outside the transaction's work.
        const reading = store.getMember('x');
        const writing = store.insertMember(makeMember('outside'));
        await assert.rejects(transaction, /undo/);
        assert.equal(await reading, undefined);
        await writing;
        assert.ok(await store.getMember('outside'), 'the other caller’s write survives the rollback');
      });

      test('concurrent inserts all land and are all counted', async () => {
        // Each insert bumps the same counter rows; taken in varying order they deadlocked
        // on PostgreSQL once updates had moved the rows about, and a create failed.
        const ids = Array.from({ length: 400 }, (_, i) => `c${i}`);
        await Promise.all(
          ids.map((id, i) =>
            store.transaction(async (tx) => {
              await tx.insertMember(makeMember(id, { scimDeleted: i % 3 === 0 }));
              await tx.insertGroup(
                makeGroup(`g-${id}`, { displayName: `Group ${id}`, managed: i % 2 === 0 }),
              );
              // Hold the counter rows a moment, as a real create does while it writes more.
              await delay(1);
            }),
          ),
        );
        assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 400);
        assert.equal(
          (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
          266,
        );
        assert.equal((await store.listGroups({ startIndex: 1, count: 0 })).total, 400);
        assert.equal((await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total, 200);
      });

      test('concurrent read-modify-write transactions lose no update', async () => {
        await store.insertMember(makeMember('x'));
        const bump = () =>
          store.transaction(async (tx) => {
            const member = (await tx.getMember('x'))!;
            await delay(5);
            const next = { ...member, version: member.version + 1 };
            return tx.updateMember(next, member.version);
          });
        const results = await Promise.all([bump(), bump(), bump()]);
        const applied = results.filter(Boolean).length;
        assert.ok(applied >= 1);
        assert.equal((await store.getMember('x'))?.version, 1 + applied);
      });
    });

    describe('account, integration, activity, outbox', () => {
      test('account round-trips and is replaced on save', async () => {
        assert.equal(await store.getAccount(), undefined);
        const account = {
          id: 'acc',
          name: 'Team',
          allowedDomains: ['example.com'],
          createdAt: '2024-01-01T00:00:00.000Z',
        };
        await store.saveAccount(account);
        assert.deepEqual(await store.getAccount(), account);
        await store.saveAccount({ ...account, name: 'Renamed', allowedDomains: [] });
        assert.deepEqual(await store.getAccount(), { ...account, name: 'Renamed', allowedDomains: [] });
      });

      test('integration round-trips and is replaced on save', async () => {
        assert.equal(await store.getIntegration(), undefined);
        const integration: Integration = {
          id: 'int',
          state: 'active',
          keyId: 'k1',
          signingPublicKey: 'sig',
          provisioningPublicKey: 'prov',
          createdAt: '2024-01-01T00:00:00.000Z',
          updatedAt: '2024-01-01T00:00:00.000Z',
        };
        await store.saveIntegration(integration);
        assert.deepEqual(await store.getIntegration(), integration);
        const regenerated = { ...integration, keyId: 'k2', state: 'inactive' as const };
        await store.saveIntegration(regenerated);
        assert.deepEqual(await store.getIntegration(), regenerated);
      });

      test('member keys: saved, read back, replaced, looked up in bulk, gone with the member', async () => {
        await store.insertMember(makeMember('m1', { userName: 'k1', email: 'k1@example.com' }));
        await store.insertMember(makeMember('m2', { userName: 'k2', email: 'k2@example.com' }));
        await store.insertMember(makeMember('m3', { userName: 'k3', email: 'k3@example.com' }));
        assert.equal(await store.getMemberKeys('m1'), undefined);
        const keys = {
          memberId: 'm1',
          publicKey: 'pub-1',
          encryptedPrivateKey: 'sbk1.x',
          createdAt: '2024-01-01T00:00:00.000Z',
        };
        await store.saveMemberKeys(keys);
        await store.saveMemberKeys({ ...keys, memberId: 'm2', publicKey: 'pub-2' });
        assert.deepEqual(await store.getMemberKeys('m1'), keys);
        const replaced = { ...keys, publicKey: 'pub-1b', encryptedPrivateKey: 'sbk1.y' };
        await store.saveMemberKeys(replaced);
        assert.deepEqual(await store.getMemberKeys('m1'), replaced);
        assert.deepEqual(
          await store.getMemberPublicKeys(['m1', 'm2', 'm3', 'nobody']),
          new Map([
            ['m1', 'pub-1b'],
            ['m2', 'pub-2'],
          ]),
        );
        assert.deepEqual(await store.getMemberPublicKeys([]), new Map());
      });

      test('member keys refuse a member that does not exist', async () => {
        await assert.rejects(
          store.saveMemberKeys({
            memberId: 'ghost',
            publicKey: 'p',
            encryptedPrivateKey: 'e',
            createdAt: '2024-01-01T00:00:00.000Z',
          }),
        );
        assert.equal(await store.getMemberKeys('ghost'), undefined);
      });

      test('invitations: found by token digest, listed newest first, used once, revoked in bulk', async () => {
        await store.insertMember(makeMember('m1', { userName: 'i1', email: 'i1@example.com' }));
        const first = {
          id: 'inv-1',
          memberId: 'm1',
          tokenHash: 'hash-1',
          createdAt: '2024-01-01T00:00:00.000Z',
          expiresAt: '2024-01-08T00:00:00.000Z',
          usedAt: null,
          revokedAt: null,
        };
        const second = { ...first, id: 'inv-2', tokenHash: 'hash-2', createdAt: '2024-01-02T00:00:00.000Z' };
        await store.insertInvitation(first);
        await store.insertInvitation(second);
        await assert.rejects(store.insertInvitation({ ...first, id: 'inv-3' }), UniqueViolation);
        assert.deepEqual(await store.findInvitationByTokenHash('hash-1'), first);
        assert.equal(await store.findInvitationByTokenHash('nope'), undefined);
        assert.deepEqual(
          (await store.listInvitations('m1')).map((invitation) => invitation.id),
          ['inv-2', 'inv-1'],
        );
        assert.equal(await store.markInvitationUsed('inv-1', '2024-01-03T00:00:00.000Z'), true);
        assert.equal(await store.markInvitationUsed('inv-1', '2024-01-04T00:00:00.000Z'), false);
        assert.equal((await store.findInvitationByTokenHash('hash-1'))?.usedAt, '2024-01-03T00:00:00.000Z');
        // Only the open one is revoked; a used one keeps its history.
        assert.equal(await store.revokeOpenInvitations('m1', '2024-01-05T00:00:00.000Z'), 1);
        assert.equal(
          (await store.findInvitationByTokenHash('hash-2'))?.revokedAt,
          '2024-01-05T00:00:00.000Z',
        );
        assert.equal((await store.findInvitationByTokenHash('hash-1'))?.revokedAt, null);
        assert.equal(await store.markInvitationUsed('inv-2', '2024-01-06T00:00:00.000Z'), false);
        await assert.rejects(
          store.insertInvitation({ ...first, id: 'inv-9', tokenHash: 'h9', memberId: 'ghost' }),
        );
      });

      test('member credentials and sessions: saved, replaced, expired, gone with the member', async () => {
        await store.insertMember(makeMember('m1', { userName: 'c1', email: 'c1@example.com' }));
        const credential = {
          memberId: 'm1',
          proofSalt: 'salt',
          proofIterations: 1000,
          proofHash: 'scrypt$1',
          createdAt: '2024-01-01T00:00:00.000Z',
        };
        await store.saveMemberCredential(credential);
        assert.deepEqual(await store.getMemberCredential('m1'), credential);
        await store.saveMemberCredential({ ...credential, proofHash: 'scrypt$2', proofIterations: 2000 });
        assert.equal((await store.getMemberCredential('m1'))?.proofHash, 'scrypt$2');
        assert.equal((await store.getMemberCredential('m1'))?.proofIterations, 2000);

        const session = {
          tokenHash: 's1',
          memberId: 'm1',
          createdAt: '2024-01-01T00:00:00.000Z',
          expiresAt: '2024-01-01T12:00:00.000Z',
        };
        await store.insertMemberSession(session);
        await store.insertMemberSession({
          ...session,
          tokenHash: 's2',
          expiresAt: '2024-01-02T12:00:00.000Z',
        });
        assert.deepEqual(await store.getMemberSession('s1'), session);
        assert.equal(await store.deleteExpiredMemberSessions('2024-01-01T12:00:00.000Z'), 1);
        assert.equal(await store.getMemberSession('s1'), undefined);
        assert.equal(await store.deleteMemberSession('s2'), true);
        assert.equal(await store.deleteMemberSession('s2'), false);
        await store.insertMemberSession({ ...session, tokenHash: 's3' });
        assert.equal(await store.extendMemberSession('s3', '2024-01-01T13:00:00.000Z'), true);
        assert.equal(
          await store.extendMemberSession('s3', '2024-01-01T12:30:00.000Z'),
          false,
          'never earlier',
        );
        assert.equal((await store.getMemberSession('s3'))?.expiresAt, '2024-01-01T13:00:00.000Z');
        assert.equal(await store.extendMemberSession('unknown', '2024-01-01T13:00:00.000Z'), false);
      });

      test("a member's keys and credential move to another member; their sessions end", async () => {
        await store.insertMember(makeMember('m1', { userName: 't1', email: 't1@example.com' }));
        await store.insertMember(makeMember('m2', { userName: 't2', email: 't2@example.com' }));
        const at = '2024-01-01T00:00:00.000Z';
        await store.saveMemberKeys({
          memberId: 'm1',
          publicKey: 'p1',
          encryptedPrivateKey: 'e1',
          createdAt: at,
        });
        await store.saveMemberCredential({
          memberId: 'm1',
          proofSalt: 's',
          proofIterations: 1000,
          proofHash: 'h',
          createdAt: at,
        });
        await store.insertMemberSession({
          tokenHash: 'sess',
          memberId: 'm1',
          createdAt: at,
          expiresAt: '2024-01-02T00:00:00.000Z',
        });
        await store.transferMemberSignup('m1', 'm2');
        assert.equal(await store.getMemberKeys('m1'), undefined);
        assert.equal(await store.getMemberCredential('m1'), undefined);
        assert.equal(await store.getMemberSession('sess'), undefined);
        assert.equal((await store.getMemberKeys('m2'))?.publicKey, 'p1');
        assert.equal((await store.getMemberCredential('m2'))?.proofHash, 'h');
      });

      test('account secrets: the first stored value wins', async () => {
        assert.equal(await store.ensureAccountSecret('decoy', 'first'), 'first');
        assert.equal(await store.ensureAccountSecret('decoy', 'second'), 'first');
        const raced = await Promise.all([
          store.ensureAccountSecret('other', 'a'),
          store.ensureAccountSecret('other', 'b'),
        ]);
        assert.equal(raced[0], raced[1]);
      });

      test('activity lists newest first and pages with before', async () => {
        const entries: ActivityEntry[] = [1, 2, 3].map((n) => ({
          id: `act-${n}`,
          at: `2024-01-0${n}T00:00:00.000Z`,
          actor: 'provisioning',
          action: 'member.invited',
          targetType: 'member',
          targetId: `m${n}`,
          detail: { n, nested: { ok: true } },
        }));
        for (const entry of entries) await store.appendActivity(entry);
        assert.deepEqual(await store.listActivity({ limit: 2 }), [entries[2], entries[1]]);
        assert.deepEqual(await store.listActivity({ limit: 5, before: 'act-2' }), [entries[0]]);
      });

      test('outbox: enqueue, get, update, list by state newest first', async () => {
        await store.enqueueMail(makeMail('mail-1'));
        await store.enqueueMail(makeMail('mail-2'));
        assert.deepEqual(await store.getMail('mail-1'), makeMail('mail-1'));
        const sent: OutboxMessage = {
          ...makeMail('mail-1'),
          state: 'sent',
          attempts: 1,
          sentAt: '2024-01-02T00:00:00.000Z',
          lastError: 'first try failed',
        };
        await store.updateMail(sent);
        assert.deepEqual(await store.getMail('mail-1'), sent);
        assert.deepEqual(
          (await store.listMail({ limit: 10 })).map((message) => message.id),
          ['mail-2', 'mail-1'],
        );
        assert.deepEqual(
          (await store.listMail({ limit: 10, state: 'queued' })).map((message) => message.id),
          ['mail-2'],
        );
      });
    });

    test('dropQueuedMail gives up one member’s queued mail of one template, without its link', async () => {
      const forMember = (id: string, memberId: string, extra: Partial<OutboxMessage> = {}) => ({
        ...makeMail(id),
        data: { memberId, link: 'https://example.com/signup/x', accountName: 'Acme' },
        ...extra,
      });
      await store.enqueueMail(forMember('mine', 'm-1'));
      await store.enqueueMail(forMember('mine-sent', 'm-1', { state: 'sent' }));
      await store.enqueueMail(forMember('mine-change', 'm-1', { template: 'email_change' }));
      await store.enqueueMail(forMember('theirs', 'm-2'));
      assert.equal(await store.dropQueuedMail('m-1', 'invitation', 'not sent: the member was suspended'), 1);
      const dropped = await store.getMail('mine');
      assert.equal(dropped?.state, 'failed');
      assert.equal(dropped?.lastError, 'not sent: the member was suspended');
      assert.deepEqual(dropped?.data, { memberId: 'm-1', accountName: 'Acme' });
      for (const untouched of ['mine-sent', 'mine-change', 'theirs']) {
        assert.equal((await store.getMail(untouched))?.data.link, 'https://example.com/signup/x', untouched);
      }
      assert.equal((await store.getMail('theirs'))?.state, 'queued');
      assert.equal(await store.dropQueuedMail('m-1', 'invitation', 'again'), 0);
    });

    describe('outbox claims', () => {
      const T0 = '2024-01-01T00:00:00.000Z';
      const T1 = '2024-01-01T00:01:00.000Z';
      const T2 = '2024-01-01T00:02:00.000Z';
      const claim = (claimId: string, until = T1) => ({ claimId, until });
      const sent = (message: OutboxMessage) => ({
        state: 'sent' as const,
        attempts: message.attempts + 1,
        nextAttemptAt: message.nextAttemptAt,
        lastError: null,
        sentAt: T0,
        data: { link: '[removed]' },
      });

      test('claims only queued messages that are due, oldest due first, up to the limit', async () => {
        await store.enqueueMail({ ...makeMail('late'), nextAttemptAt: T2 });
        await store.enqueueMail({ ...makeMail('second'), nextAttemptAt: '2023-12-31T00:00:01.000Z' });
        await store.enqueueMail({ ...makeMail('first'), nextAttemptAt: '2023-12-31T00:00:00.000Z' });
        await store.enqueueMail({ ...makeMail('done'), state: 'sent' });
        await store.enqueueMail({ ...makeMail('third') });
        const firstTwo = await store.claimDueMail(T0, claim('a'), 2);
        assert.deepEqual(
          firstTwo.map((message) => message.id),
          ['first', 'second'],
        );
        assert.deepEqual(firstTwo[0], { ...makeMail('first'), nextAttemptAt: '2023-12-31T00:00:00.000Z' });
        assert.deepEqual(
          (await store.claimDueMail(T0, claim('b'), 10)).map((message) => message.id),
          ['third'],
        );
        assert.deepEqual(await store.claimDueMail(T0, claim('c'), 10), []);
      });

      test('a claim that ran out makes the message due again for another sender', async () => {
        await store.enqueueMail(makeMail('m'));
        assert.equal((await store.claimDueMail(T0, claim('a', T1), 10)).length, 1);
        assert.deepEqual(await store.claimDueMail('2024-01-01T00:00:59.999Z', claim('b', T2), 10), []);
        const again = await store.claimDueMail(T1, claim('b', T2), 10);
        assert.deepEqual(
          again.map((message) => message.id),
          ['m'],
        );
        assert.equal(
          await store.finishMail('m', 'a', sent(again[0]!)),
          false,
          'the first sender lost its claim and may record nothing',
        );
        assert.equal((await store.getMail('m'))?.state, 'queued');
        assert.equal(await store.finishMail('m', 'b', sent(again[0]!)), true);
        const done = (await store.getMail('m'))!;
        assert.equal(done.state, 'sent');
        assert.equal(done.attempts, 1);
        assert.deepEqual(done.data, { link: '[removed]' });
        assert.deepEqual(await store.claimDueMail(T2, claim('c', '2024-01-01T00:03:00.000Z'), 10), []);
      });

      test('finishing releases the claim: a retry later is claimed again', async () => {
        await store.enqueueMail(makeMail('m'));
        const [message] = await store.claimDueMail(T0, claim('a', T2), 10);
        const retry = {
          state: 'queued' as const,
          attempts: 1,
          nextAttemptAt: T1,
          lastError: '421 try later',
          sentAt: null,
          data: message!.data,
        };
        assert.equal(await store.finishMail('m', 'a', retry), true);
        assert.equal(await store.finishMail('m', 'a', retry), false, 'a released claim is gone');
        assert.deepEqual(await store.claimDueMail(T0, claim('b', T2), 10), [], 'not due before T1');
        const [again] = await store.claimDueMail(T1, claim('b', T2), 10);
        assert.equal(again?.lastError, '421 try later');
        assert.equal(again?.attempts, 1);
      });

      test('concurrent claims never hand out one message twice', async () => {
        for (let i = 0; i < 40; i++) await store.enqueueMail(makeMail(`m-${String(i).padStart(2, '0')}`));
        const claims = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((n) => store.claimDueMail(T0, claim(`c${n}`), 8)),
        );
        const ids = claims.flat().map((message) => message.id);
        assert.equal(ids.length, 40);
        assert.equal(new Set(ids).size, 40);
      });
    });

    describe('e-mail change tokens', () => {
      const token = {
        tokenHash: 'ab'.repeat(32),
        memberId: 'm-1',
        newEmail: 'new@example.com',
        createdAt: '2024-01-01T00:00:00.000Z',
        expiresAt: '2024-01-08T00:00:00.000Z',
        usedAt: null,
      };

      test('round-trip, and use is single: the second use is refused', async () => {
        await store.insertEmailChangeToken(token);
        assert.deepEqual(await store.getEmailChangeToken(token.tokenHash), token);
        assert.equal(await store.getEmailChangeToken('cd'.repeat(32)), undefined);
        assert.equal(await store.useEmailChangeToken(token.tokenHash, '2024-01-02T00:00:00.000Z'), true);
        assert.equal(await store.useEmailChangeToken(token.tokenHash, '2024-01-03T00:00:00.000Z'), false);
        assert.equal((await store.getEmailChangeToken(token.tokenHash))?.usedAt, '2024-01-02T00:00:00.000Z');
        assert.equal(await store.useEmailChangeToken('cd'.repeat(32), '2024-01-02T00:00:00.000Z'), false);
      });

      test('latest token of a member', async () => {
        assert.equal(await store.latestEmailChangeToken('m-1'), undefined);
        await store.insertEmailChangeToken(token);
        const newer = { ...token, tokenHash: 'cd'.repeat(32), createdAt: '2024-01-02T00:00:00.000Z' };
        await store.insertEmailChangeToken(newer);
        await store.insertEmailChangeToken({
          ...token,
          tokenHash: 'ef'.repeat(32),
          memberId: 'm-2',
          createdAt: '2024-01-03T00:00:00.000Z',
        });
        assert.deepEqual(await store.latestEmailChangeToken('m-1'), newer);
      });

      test('a token is written with the transaction that asks for the change, or not at all', async () => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertEmailChangeToken(token);
            throw new Error('undo');
          }),
          /undo/,
        );
        assert.equal(await store.getEmailChangeToken(token.tokenHash), undefined);
      });
    });
  });
}

export function makeMail(id: string): OutboxMessage {
  return {
    id,
    to: 'someone@example.com',
    template: 'invitation',
    data: { link: 'https://example.com/x', names: ['a', 'b'] },
    state: 'queued',
    attempts: 0,
    nextAttemptAt: '2024-01-01T00:00:00.000Z',
    lastError: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    sentAt: null,
  };
}
