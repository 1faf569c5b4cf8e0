import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from './errors.ts';
import { type ListParamsInput, parseListParams, parseSearchRequest } from './list-query.ts';
import { ENTERPRISE_USER_URN, SEARCH_REQUEST_URN } from './schemas/urns.ts';

const LIMITS = { maxCount: 200, defaultCount: 100 };

function expectError(fn: () => unknown, scimType: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType);
    return true;
  });
}

describe('parseListParams: paging', () => {
  const cases: Array<[ListParamsInput, number, number]> = [
    [{}, 1, 100],
    [{ startIndex: '1', count: '2' }, 1, 2],
    [{ startIndex: 101, count: 100 }, 101, 100],
    [{ startIndex: '0' }, 1, 100],
    [{ startIndex: '-5' }, 1, 100],
    [{ count: '-1' }, 1, 0],
    [{ count: '0' }, 1, 0],
    [{ count: '5000' }, 1, 200],
    [{ count: ' 7 ' }, 1, 7],
    [{ startIndex: '', count: '' }, 1, 100],
    [{ startIndex: ['3'] }, 3, 100],
    [{ startIndex: '9'.repeat(400) }, Number.MAX_SAFE_INTEGER, 100],
  ];
  for (const [input, startIndex, count] of cases) {
    test(`${JSON.stringify(input).slice(0, 60)} → startIndex ${startIndex}, count ${count}`, () => {
      const params = parseListParams(input, LIMITS);
      assert.equal(params.startIndex, startIndex);
      assert.equal(params.count, count);
    });
  }
});

describe('parseListParams: errors', () => {
  const cases: Array<[string, ListParamsInput, string]> = [
    ['non-numeric startIndex', { startIndex: 'abc' }, 'invalidValue'],
    ['fractional count', { count: '1.5' }, 'invalidValue'],
    ['count as a boolean', { count: true }, 'invalidValue'],
    ['count given twice', { count: ['1', '2'] }, 'invalidValue'],
    ['bad sortOrder', { sortBy: 'userName', sortOrder: 'up' }, 'invalidValue'],
    ['bad filter', { filter: 'userName eq' }, 'invalidFilter'],
    ['filter not a string', { filter: 5 }, 'invalidFilter'],
    ['bad sortBy path', { sortBy: 'user name' }, 'invalidPath'],
    ['bad attributes path', { attributes: 'userName,na me' }, 'invalidPath'],
    ['attributes array with a number', { attributes: ['userName', 3] }, 'invalidValue'],
  ];
  for (const [name, input, scimType] of cases)
    test(name, () => expectError(() => parseListParams(input, LIMITS), scimType));
});

describe('parseListParams: filter, sorting, attributes', () => {
  test('filter is parsed; a blank filter is none', () => {
    assert.deepEqual(parseListParams({ filter: 'userName eq "ada"' }, LIMITS).filter, {
      op: 'eq',
      path: { attr: 'userName' },
      value: 'ada',
    });
    assert.equal(parseListParams({ filter: '  ' }, LIMITS).filter, undefined);
  });
  test('sortOrder is case-insensitive and defaults to ascending', () => {
    assert.equal(
      parseListParams({ sortBy: 'meta.created', sortOrder: 'DESCENDING' }, LIMITS).descending,
      true,
    );
    assert.equal(
      parseListParams({ sortBy: 'meta.created', sortOrder: 'Ascending' }, LIMITS).descending,
      false,
    );
    const sorted = parseListParams({ sortBy: 'meta.created' }, LIMITS);
    assert.deepEqual(sorted.sortBy, { attr: 'meta', sub: 'created' });
    assert.equal(sorted.descending, false);
  });
  test('attributes from a comma list (query) or an array (POST /.search)', () => {
    const fromQuery = parseListParams({ attributes: 'userName, name.givenName' }, LIMITS).attributes;
    const fromBody = parseListParams({ attributes: ['userName', 'name.givenName'] }, LIMITS).attributes;
    assert.deepEqual(fromQuery, [{ attr: 'userName' }, { attr: 'name', sub: 'givenName' }]);
    assert.deepEqual(fromBody, fromQuery);
  });
  test('attributes and excludedAttributes may be combined', () => {
    const params = parseListParams({ attributes: 'userName,emails', excludedAttributes: 'emails' }, LIMITS);
    assert.equal(params.attributes?.length, 2);
    assert.deepEqual(params.excludedAttributes, [{ attr: 'emails' }]);
  });
  test('excludedAttributes=members (Entra group lookup)', () => {
    assert.deepEqual(parseListParams({ excludedAttributes: 'members' }, LIMITS).excludedAttributes, [
      { attr: 'members' },
    ]);
  });
  test('URN-qualified attributes', () => {
    assert.deepEqual(parseListParams({ attributes: `${ENTERPRISE_USER_URN}:manager` }, LIMITS).attributes, [
      { schema: ENTERPRISE_USER_URN, attr: 'manager' },
    ]);
  });
});

describe('parseSearchRequest', () => {
  test('maps members case-insensitively and feeds parseListParams', () => {
    const input = parseSearchRequest({
      schemas: [SEARCH_REQUEST_URN],
      Filter: 'displayName sw "Ops"',
      startIndex: 1,
      COUNT: 10,
      attributes: ['displayName'],
      sortOrder: 'descending',
      unknown: true,
    });
    const params = parseListParams(input, LIMITS);
    assert.equal(params.count, 10);
    assert.equal(params.filter?.op, 'sw');
    assert.deepEqual(params.attributes, [{ attr: 'displayName' }]);
    assert.equal(params.descending, true);
  });
  const bad: Array<[string, unknown]> = [
    ['no schemas', { filter: 'x pr' }],
    ['wrong schema', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }],
    ['schemas not an array', { schemas: SEARCH_REQUEST_URN }],
    ['array body', []],
    ['null body', null],
  ];
  for (const [name, body] of bad)
    test(`${name} → 400 invalidSyntax`, () => expectError(() => parseSearchRequest(body), 'invalidSyntax'));
});
