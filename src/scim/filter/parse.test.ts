import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError, type ScimType } from '../errors.ts';
import type { AttrPath, CompareOp, Filter, FilterValue } from './ast.ts';
import {
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  parseAttrPath,
  parseAttrPathList,
  parseFilter,
} from './parse.ts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const at = (attr: string, sub?: string, schema?: string): AttrPath => {
  const path: AttrPath = { attr };
  if (schema !== undefined) path.schema = schema;
  if (sub !== undefined) path.sub = sub;
  return path;
};
const cmp = (op: CompareOp, path: AttrPath | string, value: FilterValue): Filter => ({
  op,
  path: typeof path === 'string' ? at(path) : path,
  value,
});
const pr = (path: AttrPath | string): Filter => ({
  op: 'pr',
  path: typeof path === 'string' ? at(path) : path,
});
const and = (left: Filter, right: Filter): Filter => ({ op: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ op: 'or', left, right });
const not = (filter: Filter): Filter => ({ op: 'not', filter });
const valuePath = (attr: string, filter: Filter): Filter => ({ op: 'valuePath', path: at(attr), filter });

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

describe('parseFilter: RFC 7644 §3.4.2.2 example filters', () => {
  const cases: Array<[string, Filter]> = [
    ['userName eq "bjensen"', cmp('eq', 'userName', 'bjensen')],
    [`name.familyName co "O'Malley"`, cmp('co', at('name', 'familyName'), "O'Malley")],
    ['userName sw "J"', cmp('sw', 'userName', 'J')],
    [`${CORE_USER}:userName sw "J"`, cmp('sw', at('userName', undefined, CORE_USER), 'J')],
    ['title pr', pr('title')],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      cmp('gt', at('meta', 'lastModified'), '2011-05-13T04:42:34Z'),
    ],
    [
      'meta.lastModified ge "2011-05-13T04:42:34Z"',
      cmp('ge', at('meta', 'lastModified'), '2011-05-13T04:42:34Z'),
    ],
    [
      'meta.lastModified lt "2011-05-13T04:42:34Z"',
      cmp('lt', at('meta', 'lastModified'), '2011-05-13T04:42:34Z'),
    ],
    [
      'meta.lastModified le "2011-05-13T04:42:34Z"',
      cmp('le', at('meta', 'lastModified'), '2011-05-13T04:42:34Z'),
    ],
    ['title pr and userType eq "Employee"', and(pr('title'), cmp('eq', 'userType', 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr('title'), cmp('eq', 'userType', 'Intern'))],
    [`schemas eq "${ENTERPRISE_USER}"`, cmp('eq', 'schemas', ENTERPRISE_USER)],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('eq', 'userType', 'Employee'),
        or(cmp('co', 'emails', 'example.com'), cmp('co', at('emails', 'value'), 'example.org')),
      ),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('ne', 'userType', 'Employee'),
        not(or(cmp('co', 'emails', 'example.com'), cmp('co', at('emails', 'value'), 'example.org'))),
      ),
    ],
    [
      'userType eq "Employee" and (emails.type eq "work")',
      and(cmp('eq', 'userType', 'Employee'), cmp('eq', at('emails', 'type'), 'work')),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(
        cmp('eq', 'userType', 'Employee'),
        valuePath('emails', and(cmp('eq', 'type', 'work'), cmp('co', 'value', '@example.com'))),
      ),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        valuePath('emails', and(cmp('eq', 'type', 'work'), cmp('co', 'value', '@example.com'))),
        valuePath('ims', and(cmp('eq', 'type', 'xmpp'), cmp('co', 'value', '@foo.com'))),
      ),
    ],
  ];
  for (const [source, expected] of cases) {
    test(source, () => assert.deepEqual(parseFilter(source), expected));
  }
});

describe('parseFilter: what identity providers send (research/idp-behaviour.md)', () => {
  const cases: Array<[string, Filter]> = [
    [
      'userName eq "3f1c2b7a-9d2e-4a51-8c0b-1e2f3a4b5c6d"',
      cmp('eq', 'userName', '3f1c2b7a-9d2e-4a51-8c0b-1e2f3a4b5c6d'),
    ],
    ['userName eq "grace.hopper@example.com"', cmp('eq', 'userName', 'grace.hopper@example.com')],
    ['externalId eq "ada.lovelace"', cmp('eq', 'externalId', 'ada.lovelace')],
    ['displayName eq "Platform Team"', cmp('eq', 'displayName', 'Platform Team')],
    [
      'emails[type eq "work"].value eq "ada@contoso.example"',
      valuePath('emails', and(cmp('eq', 'type', 'work'), cmp('eq', 'value', 'ada@contoso.example'))),
    ],
    [
      'id eq "2819c223" and manager eq "26118915"',
      and(cmp('eq', 'id', '2819c223'), cmp('eq', 'manager', '26118915')),
    ],
    [
      `${ENTERPRISE_USER}:manager.value eq "26118915"`,
      cmp('eq', at('manager', 'value', ENTERPRISE_USER), '26118915'),
    ],
    ['active eq True', cmp('eq', 'active', true)],
  ];
  for (const [source, expected] of cases) {
    test(source, () => assert.deepEqual(parseFilter(source), expected));
  }
});

describe('parseFilter: grammar details', () => {
  const a = pr('a');
  const b = pr('b');
  const c = pr('c');
  const cases: Array<[string, Filter]> = [
    // `and` binds tighter than `or`, and both chains associate to the left.
    ['a pr and b pr or c pr', or(and(a, b), c)],
    ['a pr or b pr and c pr', or(a, and(b, c))],
    ['a pr or b pr or c pr', or(or(a, b), c)],
    ['a pr and b pr and c pr', and(and(a, b), c)],
    ['(a pr or b pr) and c pr', and(or(a, b), c)],
    ['((a pr or b pr) or (c pr)) and a pr', and(or(or(a, b), c), a)],
    ['not (a pr)', not(a)],
    ['not(a pr)', not(a)],
    ['NOT (a pr) AND b pr', and(not(a), b)],
    ['a pr and not (b pr or c pr)', and(a, not(or(b, c)))],
    ['not (not (a pr))', not(not(a))],
    // Operators and keywords are case-insensitive; attribute names keep the client's case.
    ['USERNAME EQ "bob"', cmp('eq', 'USERNAME', 'bob')],
    ['userName Eq "bob"', cmp('eq', 'userName', 'bob')],
    ['title PR', pr('title')],
    ['a pr Or b pr', or(a, b)],
    // Every comparison operator.
    ...(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'] as const).map((op): [string, Filter] => [
      `x ${op} "v"`,
      cmp(op, 'x', 'v'),
    ]),
    // Values: JSON strings with escapes, numbers, keywords.
    ['userName eq "a \\"quoted\\" name"', cmp('eq', 'userName', 'a "quoted" name')],
    ['x eq "back\\\\slash"', cmp('eq', 'x', 'back\\slash')],
    ['x eq "caf\\u00e9 \\/ \\b\\f\\n\\r\\t"', cmp('eq', 'x', 'café / \b\f\n\r\t')],
    ['x eq "😀 ünïcode"', cmp('eq', 'x', '😀 ünïcode')],
    ['x eq ""', cmp('eq', 'x', '')],
    ['x eq "a ) or ] and ("', cmp('eq', 'x', 'a ) or ] and (')],
    ['x eq 0', cmp('eq', 'x', 0)],
    ['x eq -12', cmp('eq', 'x', -12)],
    ['x gt 3.25', cmp('gt', 'x', 3.25)],
    ['x lt 1e3', cmp('lt', 'x', 1000)],
    ['x lt -2.5E-2', cmp('lt', 'x', -0.025)],
    ['x eq true', cmp('eq', 'x', true)],
    ['x eq FALSE', cmp('eq', 'x', false)],
    ['x eq null', cmp('eq', 'x', null)],
    ['x eq Null', cmp('eq', 'x', null)],
    // Attribute names: nameChar includes "-", "_", digits; "$ref" is a real sub-attribute.
    ['x-y_z9 pr', pr('x-y_z9')],
    ['members[$ref pr]', valuePath('members', pr('$ref'))],
    ['members.$ref pr', pr(at('members', '$ref'))],
    // Schema-qualified names: the URN is everything up to the last colon.
    [
      `${ENTERPRISE_USER}:employeeNumber eq "701984"`,
      cmp('eq', at('employeeNumber', undefined, ENTERPRISE_USER), '701984'),
    ],
    [`${CORE_USER}:name.familyName pr`, pr(at('name', 'familyName', CORE_USER))],
    // Value paths.
    ['members[value eq "u1"]', valuePath('members', cmp('eq', 'value', 'u1'))],
    ['emails[not (type eq "home")]', valuePath('emails', not(cmp('eq', 'type', 'home')))],
    [
      'emails[(type eq "work" or type eq "home") and primary eq true]',
      valuePath(
        'emails',
        and(or(cmp('eq', 'type', 'work'), cmp('eq', 'type', 'home')), cmp('eq', 'primary', true)),
      ),
    ],
    [
      'emails[type eq "work"] and emails[value co "@x"]',
      and(valuePath('emails', cmp('eq', 'type', 'work')), valuePath('emails', cmp('co', 'value', '@x'))),
    ],
    ['emails[type eq "work"].value pr', valuePath('emails', and(cmp('eq', 'type', 'work'), pr('value')))],
    [
      'emails[type eq "work" or type eq "home"].value eq "x"',
      valuePath(
        'emails',
        and(or(cmp('eq', 'type', 'work'), cmp('eq', 'type', 'home')), cmp('eq', 'value', 'x')),
      ),
    ],
    // Whitespace is tolerated around tokens.
    ['  userName   eq   "bob"  ', cmp('eq', 'userName', 'bob')],
    ['( a pr )', a],
    ['emails[ type eq "work" ]', valuePath('emails', cmp('eq', 'type', 'work'))],
  ];
  for (const [source, expected] of cases) {
    test(source, () => assert.deepEqual(parseFilter(source), expected));
  }

  test(`nesting exactly ${MAX_FILTER_DEPTH} levels deep is accepted`, () => {
    const source = '('.repeat(MAX_FILTER_DEPTH) + 'a pr' + ')'.repeat(MAX_FILTER_DEPTH);
    assert.deepEqual(parseFilter(source), a);
  });

  test('a long legal or-chain within the length limit parses into a left-leaning tree', () => {
    const terms = Math.floor(MAX_FILTER_LENGTH / 'a pr or '.length);
    const source = Array.from({ length: terms }, () => 'a pr').join(' or ');
    assert.ok(source.length <= MAX_FILTER_LENGTH, 'the input must stay within the length limit');
    let node = parseFilter(source);
    let count = 1;
    while (node.op === 'or') {
      assert.deepEqual(node.right, a);
      node = node.left;
      count++;
    }
    assert.deepEqual(node, a);
    assert.equal(count, terms);
  });
});

describe('parseFilter: rejected input is 400 invalidFilter naming the problem and its position', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   \t ', /empty/],
    ['userName eq', /Missing comparison value after "eq".*position 11/],
    ['userName eq bob', /"bob" at position 12 must be a quoted string/],
    ['userName zz "x"', /Unknown operator "zz" at position 9/],
    ['userName "x"', /Expected an operator .* after "userName" at position 9/],
    ['userName', /Expected an operator .* after "userName", but the filter ends/],
    ['userName eq "bob" and', /Expected an attribute expression at position 21/],
    ['or userName eq "bob"', /Unknown operator "userName" at position 3/],
    ['userName eq "bob" xor a pr', /Unexpected text at position 18/],
    ['userName eq "bob" "x"', /Unexpected text at position 18/],
    ['(userName eq "bob"', /Missing "\)" for the "\(" at position 0/],
    ['((a pr) or (b pr)', /Missing "\)" for the "\(" at position 0/],
    ['userName eq "bob")', /Unbalanced "\)" at position 17/],
    ['a pr]', /Unbalanced "\]" at position 4/],
    ['()', /Expected an attribute name or "\(" at position 1, found "\)"/],
    ['emails[type eq "work"', /Missing "\]" for the "\[" at position 6/],
    ['emails[]', /Expected an attribute name or "\(" at position 7/],
    ['a[b[c eq 1]]', /Value paths cannot be nested.*position 3/],
    ['emails[type eq "work"].value', /Expected an operator .* after "emails\[\.\.\.\]\.value"/],
    ['emails[type eq "work"].', /sub-attribute name after "\]\." at position 23/],
    ['emails.type[value pr]', /must follow a multi-valued attribute/],
    [`emails[${ENTERPRISE_USER}:type eq "x"]`, /cannot carry a schema URN/],
    ['emails[type.x eq "x"]', /plain sub-attribute names/],
    ['title pr "x"', /"pr" at position 6 takes no value/],
    ['title pr true', /"pr" at position 6 takes no value/],
    ['title pr 1', /"pr" at position 6 takes no value/],
    ['not a pr', /"not" at position 0 must be followed by a parenthesised filter/],
    ['userName eq "unterminated', /Unterminated string starting at position 12/],
    ['userName eq "bad \\x escape"', /Invalid escape "\\x" at position 17/],
    ['userName eq "bad \\u12G4"', /Invalid \\u escape at position 17/],
    ['userName eq "tab\there"', /Control character at position 16/],
    ["userName eq 'bob'", /Missing comparison value after "eq" at position 12, found "'"/],
    ['x eq 01', /Invalid number/],
    ['x eq 1.', /Invalid number/],
    ['x eq -', /Invalid number/],
    ['x eq 1e', /Invalid number/],
    ['x eq 12abc', /Invalid number/],
    ['x eq 1e999', /out of range/],
    ['1abc eq "x"', /Expected an attribute name or "\(" at position 0/],
    ['a.b.c eq "x"', /at most one sub-attribute level/],
    ['a. eq "x"', /"" is not a valid sub-attribute name/],
    ['foo:bar eq "x"', /must start with a URN/],
    [`${ENTERPRISE_USER}: eq "x"`, /an attribute name must follow the schema URN/],
    ['_x eq "x"', /Expected an attribute name or "\(" at position 0, found "_"/],
    ['a eq "x" and and b pr', /Unknown operator "b" at position 17/],
  ];
  for (const [source, detail] of cases) {
    test(JSON.stringify(source), () => assertScimError(() => parseFilter(source), 'invalidFilter', detail));
  }
});

describe('parseFilter: hostile input is refused without exhausting the stack', () => {
  test('100,000 opening parentheses hit the length limit', () => {
    assertScimError(
      () => parseFilter('('.repeat(100_000)),
      'invalidFilter',
      /100000 characters long; at most 4096/,
    );
  });

  test('a 10,000-term or-chain hits the length limit', () => {
    const source = Array.from({ length: 10_000 }, () => 'a eq 1').join(' or ');
    assertScimError(() => parseFilter(source), 'invalidFilter', /at most 4096/);
  });

  test(`nesting ${MAX_FILTER_DEPTH + 1} levels deep is refused at the offending position`, () => {
    const source = '('.repeat(MAX_FILTER_DEPTH + 1) + 'a pr' + ')'.repeat(MAX_FILTER_DEPTH + 1);
    assertScimError(() => parseFilter(source), 'invalidFilter', /deeper than 32 levels at position 32/);
  });

  test('deep `not (` nesting within the length limit is refused by the depth limit', () => {
    const source = 'not ('.repeat(600) + 'a pr' + ')'.repeat(600);
    assert.ok(source.length <= MAX_FILTER_LENGTH, 'the input must stay within the length limit');
    assertScimError(() => parseFilter(source), 'invalidFilter', /deeper than 32 levels/);
  });

  test('value-path brackets count towards the depth', () => {
    const source = '('.repeat(MAX_FILTER_DEPTH) + 'emails[type pr]' + ')'.repeat(MAX_FILTER_DEPTH);
    assertScimError(() => parseFilter(source), 'invalidFilter', /deeper than 32 levels/);
  });

  test('4,000 unbalanced opening parentheses are refused by the depth limit', () => {
    assertScimError(() => parseFilter('('.repeat(4000)), 'invalidFilter', /deeper than 32 levels/);
  });

  test('random garbage only ever produces ScimError 400 invalidFilter', () => {
    const alphabet = [
      '(',
      ')',
      '[',
      ']',
      '"',
      '\\',
      ' ',
      'a',
      'eq',
      'pr',
      'and',
      'or',
      'not',
      '1',
      '.',
      ':',
      'u',
      '-',
    ];
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let run = 0; run < 2000; run++) {
      let source = '';
      const length = Math.floor(random() * 30);
      for (let i = 0; i < length; i++) source += alphabet[Math.floor(random() * alphabet.length)];
      try {
        parseFilter(source);
      } catch (error) {
        assert.ok(error instanceof ScimError, `${JSON.stringify(source)} threw ${String(error)}`);
        assert.equal(error.status, 400);
        assert.equal(error.scimType, 'invalidFilter');
      }
    }
  });
});

describe('parseAttrPath', () => {
  const cases: Array<[string, AttrPath]> = [
    ['userName', at('userName')],
    [' name.familyName ', at('name', 'familyName')],
    ['meta.lastModified', at('meta', 'lastModified')],
    ['Emails', at('Emails')],
    [`${CORE_USER}:userName`, at('userName', undefined, CORE_USER)],
    [`${ENTERPRISE_USER}:manager.value`, at('manager', 'value', ENTERPRISE_USER)],
    [`${ENTERPRISE_USER}:employeeNumber`, at('employeeNumber', undefined, ENTERPRISE_USER)],
  ];
  for (const [source, expected] of cases) {
    test(JSON.stringify(source), () => assert.deepEqual(parseAttrPath(source), expected));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['a.b.c', /at most one sub-attribute level/],
    ['emails[type eq "work"]', /unexpected "\[" at position 6/],
    ['user name', /unexpected " " at position 4/],
    ['9lives', /"9lives" is not a valid attribute name/],
    ['foo:bar', /must start with a URN/],
    [`${ENTERPRISE_USER}:`, /an attribute name must follow the schema URN/],
    ['name.', /"" is not a valid sub-attribute name/],
  ];
  for (const [source, detail] of bad) {
    test(`rejects ${JSON.stringify(source)} with 400 invalidPath`, () =>
      assertScimError(() => parseAttrPath(source), 'invalidPath', detail));
  }
});

describe('parseAttrPathList', () => {
  test('splits on commas, trims spaces and ignores empty entries', () => {
    assert.deepEqual(parseAttrPathList(` userName, name.familyName ,,${ENTERPRISE_USER}:manager , `), [
      at('userName'),
      at('name', 'familyName'),
      at('manager', undefined, ENTERPRISE_USER),
    ]);
  });

  test('an empty list is empty', () => assert.deepEqual(parseAttrPathList(''), []));

  test('one bad entry rejects the list with 400 invalidPath', () =>
    assertScimError(
      () => parseAttrPathList('userName,emails[type eq "work"]'),
      'invalidPath',
      /unexpected "\["/,
    ));

  test('an absurdly long list is refused', () =>
    assertScimError(() => parseAttrPathList('a,'.repeat(10_000)), 'invalidPath', /longer than/));
});

describe('parseFilter: the plain `attr eq "text"` lookups read without the parser', () => {
  // Parenthesised, the same text always goes through the full parser: both must agree,
  // in the tree built and in what is refused.
  const outcome = (text: string) => {
    try {
      return parseFilter(text);
    } catch (error) {
      return error instanceof ScimError ? `${error.status} ${error.scimType}` : String(error);
    }
  };
  const agree = (text: string) => assert.deepEqual(outcome(text), outcome(`(${text})`), text);

  test('what the IdPs send, any case of "eq", any spacing the grammar allows', () => {
    for (const text of [
      'userName eq "ada@example.com"',
      'userName EQ "ada@example.com"',
      ' \texternalId\r\neq  "ü 名前 😀" ',
      '$ref eq ""',
      'user_name-2 eq "a\u007fb"',
    ]) {
      agree(text);
    }
    assert.deepEqual(parseFilter('userName Eq "ada"'), cmp('eq', 'userName', 'ada'));
  });

  test('near misses are left to the parser and come out as it says', () => {
    for (const text of [
      'not eq "x"',
      'NOT eq "x"',
      'userName eq "a\\"b"',
      'userName eq "a\\u0041"',
      'userName eq "tab\there"',
      'userName eq "x" and active eq true',
      'userName eq "unterminated',
      'userName eq "x" ]',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"',
      'name.givenName eq "x"',
      '1userName eq "x"',
      'userName\u00a0eq "x"',
      'userName eq"x"',
    ]) {
      agree(text);
    }
    assertScimError(() => parseFilter('not eq "x"'), 'invalidFilter', /"not" at position 0/);
  });
});
