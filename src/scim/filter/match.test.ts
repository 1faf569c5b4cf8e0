import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError, type ScimType } from '../errors.ts';
import type { AttributeDef } from '../schemas/types.ts';
import type { AttrPath } from './ast.ts';
import { type DescribeAttribute, matchFilter, matchValueFilter, parseInstant } from './match.ts';
import { parseFilter } from './parse.ts';

/** Asserts that `run` throws a ScimError with status 400, the given scimType and a detail matching `detail`. */
function assertScimError(run: () => unknown, scimType: ScimType, detail: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType);
    assert.match(error.detail, detail);
    return true;
  });
}

const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const attr = (name: string, type: AttributeDef['type'], extra: Partial<AttributeDef> = {}): AttributeDef => ({
  name,
  type,
  multiValued: false,
  description: name,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const CORE: AttributeDef[] = [
  attr('id', 'string', { caseExact: true }),
  attr('userName', 'string'),
  attr('externalId', 'string', { caseExact: true }),
  attr('title', 'string'),
  attr('userType', 'string'),
  attr('active', 'boolean'),
  attr('loginCount', 'integer'),
  attr('score', 'decimal'),
  attr('profileUrl', 'reference'),
  attr('name', 'complex', { subAttributes: [attr('familyName', 'string'), attr('givenName', 'string')] }),
  attr('meta', 'complex', {
    subAttributes: [attr('lastModified', 'dateTime'), attr('created', 'dateTime'), attr('version', 'string')],
  }),
  attr('emails', 'complex', {
    multiValued: true,
    subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')],
  }),
  attr('members', 'complex', {
    multiValued: true,
    subAttributes: [attr('value', 'string', { caseExact: true }), attr('display', 'string')],
  }),
  attr('tags', 'string', { multiValued: true }),
];
const ENTERPRISE: AttributeDef[] = [
  attr('employeeNumber', 'string'),
  attr('manager', 'complex', { subAttributes: [attr('value', 'string', { caseExact: true })] }),
];

const byName = (defs: AttributeDef[] | undefined, name: string) =>
  defs?.find((d) => d.name.toLowerCase() === name.toLowerCase());

const describeUser: DescribeAttribute = (path: AttrPath) => {
  const schema = path.schema?.toLowerCase();
  const defs = schema === ENTERPRISE_USER.toLowerCase() ? ENTERPRISE : CORE;
  const top = byName(defs, path.attr) ?? (schema === undefined ? byName(ENTERPRISE, path.attr) : undefined);
  return path.sub === undefined ? top : byName(top?.subAttributes, path.sub);
};
const undescribed: DescribeAttribute = () => undefined;

const bjensen: Record<string, unknown> = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  userName: 'BJensen@Example.com',
  title: '',
  userType: 'Employee',
  active: true,
  loginCount: 42,
  score: 2.5,
  name: { familyName: "O'Malley", givenName: 'Barbara' },
  meta: { lastModified: '2011-05-13T05:42:34+01:00', created: '2010-01-23T04:56:22.123Z' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  tags: ['blue', 'Green'],
  phoneNumbers: [],
  [ENTERPRISE_USER]: { employeeNumber: '701984', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
};

describe('matchFilter against one described resource', () => {
  const cases: Array<[string, boolean]> = [
    // Attribute names are case-insensitive; userName is caseExact=false, id is caseExact=true.
    ['userName eq "bjensen@example.com"', true],
    ['USERNAME eq "BJENSEN@EXAMPLE.COM"', true],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false],
    ['id eq "2819c223-7f76-453a-919d-413861904646"', true],
    ['externalId eq "BJensen"', false],
    ['userName ne "someone"', true],
    ['userName ne "bjensen@example.com"', false],
    ['userName sw "bjen"', true],
    ['userName ew "EXAMPLE.COM"', true],
    ['userName co "sen@ex"', true],
    ['userName co "zzz"', false],
    ['userName gt "a"', true],
    ['userName lt "a"', false],
    ['userName ge "bjensen@example.com"', true],
    [`name.familyName co "o'mal"`, true],
    ['name.givenName eq "barbara"', true],
    // pr: "" and [] are not present; absent attributes are not present.
    ['title pr', false],
    ['userType pr', true],
    ['phoneNumbers pr', false],
    ['emails pr', true],
    ['nickName pr', false],
    ['name pr', true],
    ['meta.lastModified pr', true],
    ['name.middleName pr', false],
    // eq null means "no value"; ne null means "has a value".
    ['title eq null', true],
    ['nickName eq null', true],
    ['userType eq null', false],
    ['userType ne null', true],
    ['nickName ne "x"', true],
    // Booleans and numbers compare by type.
    ['active eq true', true],
    ['active eq false', false],
    ['active ne false', true],
    ['active eq "true"', true],
    ['loginCount eq 42', true],
    ['loginCount gt 41', true],
    ['loginCount gt 42', false],
    ['loginCount ge 42', true],
    ['loginCount lt 100', true],
    ['loginCount le 41', false],
    ['score gt 2.25', true],
    ['score eq 2.5', true],
    // dateTime compares instants: 05:42:34+01:00 is 04:42:34Z.
    ['meta.lastModified eq "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:35Z"', true],
    ['meta.lastModified gt "2011-05-13T05:00:00Z"', false],
    ['meta.lastModified gt "2011-05-13T05:00:00+02:00"', true],
    ['meta.created gt "2010-01-23T04:56:22.122Z"', true],
    ['meta.created le "2010-01-23T04:56:22.123Z"', true],
    // Multi-valued: any value may satisfy the comparison; complex ones compare `value`.
    ['emails co "jensen.org"', true],
    ['emails eq "BJENSEN@example.com"', true],
    ['emails.value co "example.org"', false],
    ['emails.type eq "home"', true],
    ['emails.type ne "home"', false],
    ['emails.primary eq true', true],
    ['tags eq "green"', true],
    ['tags eq "red"', false],
    ['tags ne "red"', true],
    // Value paths: one element must satisfy the whole inner filter.
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "work" and value co "@jensen.org"]', false],
    ['emails[type eq "work"] and emails[value co "@jensen.org"]', true],
    ['emails[type eq "home"].value eq "babs@jensen.org"', true],
    ['emails[type eq "work"].value eq "babs@jensen.org"', false],
    ['emails[TYPE eq "WORK" and Primary eq true]', true],
    ['emails[not (type eq "work")]', true],
    ['emails[type eq "other" or primary pr]', true],
    ['emails[primary pr and type eq "home"]', false],
    ['phoneNumbers[type eq "work"]', false],
    ['ims[type eq "xmpp"]', false],
    // Schema-qualified names, core and extension.
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen"', true],
    [`${ENTERPRISE_USER}:employeeNumber eq "701984"`, true],
    [`${ENTERPRISE_USER}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
    [`${ENTERPRISE_USER}:manager.value eq "26118915-6090-4610-87E4-49D8CA9F808D"`, false],
    [`${ENTERPRISE_USER.toUpperCase()}:EmployeeNumber eq "701984"`, true],
    [`${ENTERPRISE_USER}:employeeNumber pr`, true],
    [`${ENTERPRISE_USER}:costCenter pr`, false],
    // Logic: precedence, not, parentheses.
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['not (userType eq "Intern" or title pr)', true],
    ['title pr and userType eq "Employee" or active eq true', true],
    ['active eq false or userType eq "Employee" and loginCount gt 100', false],
    ['((userName sw "b") or (title pr)) and not (active eq false)', true],
    // What identity providers send.
    ['externalId eq "bjensen"', true],
    [
      'id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"',
      true,
    ],
    ['emails[type eq "work"].value eq "BJensen@Example.com"', true],
  ];
  for (const [source, expected] of cases) {
    test(`${source} → ${expected}`, () =>
      assert.equal(matchFilter(parseFilter(source), bjensen, describeUser), expected));
  }
});

describe('matchFilter without a schema (undescribed attributes)', () => {
  const resource = {
    userName: 'Alice',
    count: 3,
    flag: false,
    when: '2020-01-01T00:00:00Z',
    list: [{ value: 'A' }],
  };
  const cases: Array<[string, boolean]> = [
    ['username eq "alice"', true],
    ['count gt 2', true],
    ['count eq "3"', false],
    ['flag eq false', true],
    ['flag eq "false"', false],
    ['list eq "a"', true],
    ['list[value eq "A"]', true],
  ];
  for (const [source, expected] of cases) {
    test(`${source} → ${expected}`, () =>
      assert.equal(matchFilter(parseFilter(source), resource, undescribed), expected));
  }
});

describe('matchFilter: comparisons the schema forbids are 400 invalidFilter', () => {
  const cases: Array<[string, RegExp]> = [
    ['active gt true', /"gt" cannot be used with the boolean attribute "active"/],
    ['active le false', /"le" cannot be used with the boolean attribute "active"/],
    ['active eq "yes"', /"active" is a boolean/],
    ['active eq 1', /"active" is a boolean/],
    ['loginCount co 4', /"co" cannot be used with the numeric attribute "loginCount"/],
    ['loginCount eq "42"', /"loginCount" is a number/],
    ['meta.lastModified gt "yesterday"', /"yesterday" is not a valid dateTime/],
    ['meta.lastModified gt 5', /is a dateTime/],
    ['meta.lastModified co "2011"', /"co" cannot be used with the dateTime attribute/],
    ['userName eq true', /"userName" is a string, not a boolean/],
    ['name eq "Barbara"', /"name" is a complex attribute/],
    ['userName gt null', /"gt" cannot compare "userName" with null/],
    ['flag gt true', /"gt" cannot be used with the boolean attribute "flag"/],
  ];
  for (const [source, detail] of cases) {
    test(source, () =>
      assertScimError(
        () => matchFilter(parseFilter(source), { ...bjensen, flag: true }, describeUser),
        'invalidFilter',
        detail,
      ),
    );
  }
});

describe('matchValueFilter: the inner filter of a PATCH value path against one element', () => {
  const emails = byName(CORE, 'emails')!;
  const members = byName(CORE, 'members')!;
  const describeEmailSub = (name: string) => byName(emails.subAttributes, name);
  const describeMemberSub = (name: string) => byName(members.subAttributes, name);

  test('members[value eq "u3"] selects the member by its case-exact id', () => {
    const filter = parseFilter('members[Value eq "u3"]');
    assert.equal(filter.op, 'valuePath');
    if (filter.op !== 'valuePath') return;
    assert.equal(matchValueFilter(filter.filter, { value: 'u3', display: 'Ann' }, describeMemberSub), true);
    assert.equal(matchValueFilter(filter.filter, { value: 'U3' }, describeMemberSub), false);
    assert.equal(matchValueFilter(filter.filter, { display: 'u3' }, describeMemberSub), false);
  });

  test('both halves of an and must hold for the same element', () => {
    const filter = parseFilter('emails[type eq "work" and value co "@x.org"]');
    if (filter.op !== 'valuePath') throw new Error('expected a value path');
    const list = bjensen.emails as Array<Record<string, unknown>>;
    assert.equal(
      list.some((e) => matchValueFilter(filter.filter, e, describeEmailSub)),
      false,
    );
    assert.equal(matchValueFilter(filter.filter, { type: 'WORK', value: 'a@X.org' }, describeEmailSub), true);
  });

  test('a primitive element is addressed as `value`', () => {
    const filter = parseFilter('tags[value eq "GREEN"]');
    if (filter.op !== 'valuePath') throw new Error('expected a value path');
    assert.equal(
      matchValueFilter(filter.filter, 'green', () => attr('value', 'string')),
      true,
    );
    assert.equal(
      matchValueFilter(filter.filter, 'green', () => attr('value', 'string', { caseExact: true })),
      false,
    );
  });

  test('a nested value path is refused', () => {
    const inner = parseFilter('x[a eq 1]');
    assertScimError(
      () => matchValueFilter(inner, { x: [{ a: 1 }] }, () => undefined),
      'invalidFilter',
      /nested/,
    );
  });
});

describe('parseInstant', () => {
  const cases: Array<[string, number | undefined]> = [
    ['2011-05-13T04:42:34Z', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-13T05:42:34+01:00', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-12T23:42:34-05:00', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-13T04:42:34.5Z', Date.UTC(2011, 4, 13, 4, 42, 34, 500)],
    ['2011-05-13T04:42:34', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-13-13T04:42:34Z', undefined],
    ['May 13 2011', undefined],
    ['2011-05-13', undefined],
  ];
  for (const [text, expected] of cases) {
    test(text, () => assert.equal(parseInstant(text), expected));
  }
});
