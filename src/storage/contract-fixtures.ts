/** Members, groups, mail and filter cases the Store contract suites share. */
import assert from 'node:assert/strict';
import type { Group, Member, OutboxMessage } from '../account/model.ts';
import type { Page, StoredMember } from '../account/store.ts';
import { ScimError } from '../scim/errors.ts';
import type { AttrPath, Filter } from '../scim/filter/ast.ts';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

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

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const path = (attr: string, sub?: string, schema?: string): AttrPath => ({ attr, sub, schema });
export const eq = (p: AttrPath, value: string | boolean | null): Filter => ({ op: 'eq', path: p, value });

export async function rejectsWith(
  promise: Promise<unknown>,
  status: number,
  scimType: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    return true;
  });
}

/** Four members covering every filterable attribute (ids sort in insertion order). */
export const FILTER_MEMBERS: Member[] = [
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

/** The listed fields of a member, its profile parsed. */
type ListedFields = Omit<StoredMember, 'profileJson'> & { profile: Member['profile'] };

function listedFields(member: Member): ListedFields {
  const { id, userName, email, externalId, displayName, givenName, familyName, state } = member;
  const { profile, createdAt, updatedAt, version } = member;
  return {
    id,
    userName,
    email,
    externalId,
    displayName,
    givenName,
    familyName,
    state,
    profile,
    createdAt,
    updatedAt,
    version,
  };
}

/** Both reads serve the same page, item for item; the stored one holds each profile as JSON object text. */
export async function assertSameAsStored(
  parsed: Page<Member>,
  stored: Page<StoredMember>,
  label: string,
): Promise<void> {
  assert.equal(stored.total, parsed.total, label);
  for (const item of stored.items) assert.equal(item.profileJson.trimStart()[0], '{', label);
  assert.deepEqual(
    stored.items.map(({ profileJson, ...rest }) => ({ ...rest, profile: JSON.parse(profileJson) })),
    parsed.items.map(listedFields),
    label,
  );
}

export const userFilterCases: Array<[string, Filter, string[]]> = [
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

export const badUserFilters: Array<[string, Filter]> = [
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
