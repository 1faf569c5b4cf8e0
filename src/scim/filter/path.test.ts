import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError, type ScimType } from '../errors.ts';
import type { Filter } from './ast.ts';
import { type PatchPath, parsePatchPath } from './path.ts';

const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function assertScimError(run: () => unknown, scimType: ScimType, detail: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType);
    assert.match(error.detail, detail);
    return true;
  });
}

const eq = (attr: string, value: string | boolean): Filter => ({ op: 'eq', path: { attr }, value });

describe('parsePatchPath: RFC 7644 §3.5.2 paths and what IdPs send', () => {
  const cases: Array<[string, PatchPath]> = [
    ['members', { path: { attr: 'members' } }],
    ['displayName', { path: { attr: 'displayName' } }],
    ['name.familyName', { path: { attr: 'name', sub: 'familyName' } }],
    ['members[value eq "2819c223"]', { path: { attr: 'members' }, valueFilter: eq('value', '2819c223') }],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { path: { attr: 'members' }, valueFilter: eq('value', '2819c223-7f76-453a-919d-413861904646') },
    ],
    [
      'emails[type eq "work"].value',
      { path: { attr: 'emails' }, valueFilter: eq('type', 'work'), subAttr: 'value' },
    ],
    [
      'addresses[type eq "work"].streetAddress',
      { path: { attr: 'addresses' }, valueFilter: eq('type', 'work'), subAttr: 'streetAddress' },
    ],
    [
      'phoneNumbers[type eq "mobile"].value',
      { path: { attr: 'phoneNumbers' }, valueFilter: eq('type', 'mobile'), subAttr: 'value' },
    ],
    [`${ENTERPRISE_USER}:manager`, { path: { schema: ENTERPRISE_USER, attr: 'manager' } }],
    [`${ENTERPRISE_USER}:employeeNumber`, { path: { schema: ENTERPRISE_USER, attr: 'employeeNumber' } }],
    [
      `${ENTERPRISE_USER}:manager.value`,
      { path: { schema: ENTERPRISE_USER, attr: 'manager', sub: 'value' } },
    ],
    [`${CORE_USER}:name.givenName`, { path: { schema: CORE_USER, attr: 'name', sub: 'givenName' } }],
    [
      `${CORE_USER}:emails[type eq "work"].value`,
      { path: { schema: CORE_USER, attr: 'emails' }, valueFilter: eq('type', 'work'), subAttr: 'value' },
    ],
    // Case is preserved; consumers compare names case-insensitively.
    ['Members[Value eq "u3"]', { path: { attr: 'Members' }, valueFilter: eq('Value', 'u3') }],
    ['  members  ', { path: { attr: 'members' } }],
    [
      'emails[type eq "work" and primary eq true]',
      {
        path: { attr: 'emails' },
        valueFilter: { op: 'and', left: eq('type', 'work'), right: eq('primary', true) },
      },
    ],
    ['members[value eq "a]b"]', { path: { attr: 'members' }, valueFilter: eq('value', 'a]b') }],
  ];
  for (const [source, expected] of cases) {
    test(source, () => assert.deepEqual(parsePatchPath(source), expected));
  }
});

describe('parsePatchPath: bad paths are 400 invalidPath, bad bracketed filters 400 invalidFilter', () => {
  const cases: Array<[string, ScimType, RegExp]> = [
    ['', 'invalidPath', /empty/],
    ['   ', 'invalidPath', /empty/],
    ['a.b.c', 'invalidPath', /at most one sub-attribute level/],
    ['user name', 'invalidPath', /unexpected " "/],
    ['members]', 'invalidPath', /"\]" without a matching "\["/],
    ['[value eq "x"]', 'invalidPath', /no attribute name before "\["/],
    ['members [value eq "x"]', 'invalidPath', /no space is allowed before "\["/],
    ['name.familyName[value eq "x"]', 'invalidPath', /must follow a multi-valued attribute/],
    ['emails[type eq "work"]value', 'invalidPath', /only "\.subAttribute" may follow "\]"/],
    ['emails[type eq "work"].', 'invalidPath', /only "\.subAttribute" may follow "\]"/],
    ['emails[type eq "work"].value.x', 'invalidPath', /only "\.subAttribute" may follow "\]"/],
    ['emails[type eq "work"][value pr]', 'invalidPath', /only "\.subAttribute" may follow "\]"/],
    ['9members', 'invalidPath', /not a valid attribute name/],
    ['foo:members', 'invalidPath', /must start with a URN/],
    ['members[value eq x]', 'invalidFilter', /"x" at position 17 must be a quoted string/],
    ['members[value zz "x"]', 'invalidFilter', /Unknown operator "zz" at position 14/],
    ['members[value eq "x"', 'invalidFilter', /Missing "\]" for the "\[" at position 7/],
    ['members[]', 'invalidFilter', /Expected an attribute name/],
    ['members[value[x eq 1]]', 'invalidFilter', /cannot be nested/],
    ['members[value pr "x"]', 'invalidFilter', /"pr" at position 14 takes no value/],
  ];
  for (const [source, scimType, detail] of cases) {
    test(`${JSON.stringify(source)} → ${scimType}`, () =>
      assertScimError(() => parsePatchPath(source), scimType, detail));
  }
});
