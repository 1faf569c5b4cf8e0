import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BulkOperation,
  bulkReferencesOf,
  bulkResponse,
  parseBulkRequest,
  planBulkOrder,
  resolveBulkReferences,
} from './bulk.ts';
import { ScimError } from './errors.ts';
import { BULK_REQUEST_URN, BULK_RESPONSE_URN, USER_URN } from './schemas/urns.ts';

const LIMITS = { maxOperations: 3 };
const request = (operations: unknown, extra: Record<string, unknown> = {}) => ({
  schemas: [BULK_REQUEST_URN],
  Operations: operations,
  ...extra,
});
const createUser = {
  method: 'POST',
  path: '/Users',
  bulkId: 'u1',
  data: { schemas: [USER_URN], userName: 'ada' },
};

function expectError(fn: () => unknown, status: number, scimType: string | undefined, detail?: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    if (detail) assert.match(error.detail, detail);
    return true;
  });
}

describe('parseBulkRequest: accepted', () => {
  test('methods are case-insensitive, collection case normalised, member names case-insensitive', () => {
    const parsed = parseBulkRequest(
      {
        SCHEMAS: [BULK_REQUEST_URN.toLowerCase()],
        operations: [
          { Method: 'post', Path: '/users', BulkId: 'u1', Data: { userName: 'ada' } },
          { method: 'Patch', path: '/Groups/g1', version: 'W/"3"', data: { Operations: [] } },
          { method: 'delete', path: '/USERS/bulkId:u1', data: 'ignored' },
        ],
        FailOnErrors: 2,
      },
      LIMITS,
    );
    assert.equal(parsed.failOnErrors, 2);
    assert.deepEqual(parsed.operations, [
      { method: 'POST', path: '/Users', bulkId: 'u1', data: { userName: 'ada' } },
      { method: 'PATCH', path: '/Groups/g1', version: 'W/"3"', data: { Operations: [] } },
      { method: 'DELETE', path: '/Users/bulkId:u1' },
    ]);
  });
  test('failOnErrors is optional; an empty Operations array is fine', () => {
    assert.deepEqual(parseBulkRequest(request([]), LIMITS), { failOnErrors: undefined, operations: [] });
  });
});

describe('parseBulkRequest: refused', () => {
  const cases: Array<[string, unknown, number, string | undefined, RegExp]> = [
    ['array body', [], 400, 'invalidSyntax', /JSON object/],
    ['missing schema', { Operations: [] }, 400, 'invalidSyntax', /BulkRequest/],
    ['wrong schema', { schemas: [USER_URN], Operations: [] }, 400, 'invalidSyntax', /BulkRequest/],
    [
      'Operations missing',
      { schemas: [BULK_REQUEST_URN] },
      400,
      'invalidSyntax',
      /Operations must be an array/,
    ],
    [
      'too many operations',
      request([createUser, createUser, createUser, createUser]),
      413,
      undefined,
      /4 operations; at most 3/,
    ],
    ['failOnErrors 0', request([], { failOnErrors: 0 }), 400, 'invalidValue', /failOnErrors/],
    ['failOnErrors text', request([], { failOnErrors: 'many' }), 400, 'invalidValue', /failOnErrors/],
    ['operation not an object', request(['x']), 400, 'invalidSyntax', /Operations\[0\] must be an object/],
    [
      'method missing',
      request([{ path: '/Users' }]),
      400,
      'invalidSyntax',
      /Operations\[0\]\.method is required/,
    ],
    [
      'method GET',
      request([{ method: 'GET', path: '/Users/1' }]),
      400,
      'invalidValue',
      /"GET" is not one of/,
    ],
    ['path missing', request([{ method: 'DELETE' }]), 400, 'invalidSyntax', /path is required/],
    [
      'POST to a resource',
      request([{ ...createUser, path: '/Users/1' }]),
      400,
      'invalidValue',
      /not valid for POST/,
    ],
    [
      'PUT to a collection',
      request([{ method: 'PUT', path: '/Users', data: {} }]),
      400,
      'invalidValue',
      /not valid for PUT/,
    ],
    [
      'unknown collection',
      request([{ method: 'DELETE', path: '/Devices/1' }]),
      400,
      'invalidValue',
      /Devices/,
    ],
    ['deeper path', request([{ method: 'DELETE', path: '/Users/1/x' }]), 400, 'invalidValue', /expected/],
    ['empty id', request([{ method: 'DELETE', path: '/Users/' }]), 400, 'invalidValue', /expected/],
    ['relative path', request([{ method: 'DELETE', path: 'Users/1' }]), 400, 'invalidValue', /expected/],
    [
      'POST without bulkId',
      request([{ method: 'POST', path: '/Users', data: {} }]),
      400,
      'invalidSyntax',
      /bulkId is required/,
    ],
    [
      'POST without data',
      request([{ method: 'POST', path: '/Users', bulkId: 'a' }]),
      400,
      'invalidSyntax',
      /data must be an object/,
    ],
    [
      'PATCH with array data',
      request([{ method: 'PATCH', path: '/Users/1', data: [] }]),
      400,
      'invalidSyntax',
      /data/,
    ],
    [
      'duplicate bulkId',
      request([createUser, { ...createUser }]),
      400,
      'invalidValue',
      /"u1" is used by an earlier/,
    ],
    [
      'version not a string',
      request([{ method: 'DELETE', path: '/Users/1', version: 3 }]),
      400,
      'invalidSyntax',
      /version/,
    ],
  ];
  for (const [name, body, status, scimType, detail] of cases) {
    test(name, () => expectError(() => parseBulkRequest(body, LIMITS), status, scimType, detail));
  }
});

describe('resolveBulkReferences', () => {
  const resolved = new Map([
    ['u1', 'id-1'],
    ['u2', 'id-2'],
  ]);
  test('member values and resource paths are replaced; other strings untouched', () => {
    const data = {
      displayName: 'mentions bulkId:u1 in text',
      members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2', display: 'x' }, { value: 'plain' }],
    };
    assert.deepEqual(resolveBulkReferences(data, resolved), {
      displayName: 'mentions bulkId:u1 in text',
      members: [{ value: 'id-1' }, { value: 'id-2', display: 'x' }, { value: 'plain' }],
    });
    assert.equal(resolveBulkReferences('/Groups/bulkId:u2', resolved), '/Groups/id-2');
  });
  test('data without references is returned as is, not copied', () => {
    const data = { members: [{ value: 'a' }] };
    assert.equal(resolveBulkReferences(data, resolved), data);
  });
  test('an unknown bulkId fails the operation with 409', () => {
    expectError(
      () => resolveBulkReferences({ members: [{ value: 'bulkId:nope' }] }, resolved),
      409,
      'invalidValue',
      /nope/,
    );
  });
});

describe('planBulkOrder', () => {
  const post = (bulkId: string, data: unknown = {}): BulkOperation => ({
    method: 'POST',
    path: '/Users',
    bulkId,
    data,
  });
  const group = (bulkId: string, members: string[]): BulkOperation =>
    post(bulkId, { displayName: bulkId, members: members.map((value) => ({ value })) });

  test('independent operations keep request order', () => {
    assert.deepEqual(
      planBulkOrder([post('a'), post('b'), { method: 'DELETE', path: '/Users/x' }]).order,
      [0, 1, 2],
    );
  });
  test('a group that references users created later runs after them (RFC 7644 §3.7.2)', () => {
    const ops = [
      { ...group('g', ['bulkId:u1', 'bulkId:u2']), path: '/Groups' },
      post('u1'),
      post('u2'),
      { method: 'PATCH', path: '/Users/bulkId:u1', data: {} } as BulkOperation,
    ];
    const plan = planBulkOrder(ops);
    assert.deepEqual(plan.order, [1, 2, 3, 0]);
    assert.equal(plan.unresolvable.size, 0);
  });
  test('circular references, and operations depending on them, are 409', () => {
    const ops = [
      { ...group('a', ['bulkId:b']), path: '/Groups' },
      { ...group('b', ['bulkId:a']), path: '/Groups' },
      { method: 'DELETE', path: '/Groups/bulkId:a' } as BulkOperation,
      post('c'),
    ];
    const plan = planBulkOrder(ops);
    assert.deepEqual(plan.order, [3]);
    assert.deepEqual([...plan.unresolvable.keys()].sort(), [0, 1, 2]);
    for (const error of plan.unresolvable.values()) assert.equal(error.status, 409);
  });
  test('a reference to no POST in the request is 409', () => {
    const plan = planBulkOrder([{ method: 'DELETE', path: '/Users/bulkId:ghost' }]);
    assert.deepEqual(plan.order, []);
    assert.match(plan.unresolvable.get(0)?.detail ?? '', /ghost/);
  });
  test('a self-reference is circular', () => {
    assert.equal(planBulkOrder([post('me', { manager: { value: 'bulkId:me' } })]).unresolvable.size, 1);
  });
  test('bulkReferencesOf finds references in path and data', () => {
    const references = bulkReferencesOf({
      method: 'PUT',
      path: '/Users/bulkId:x',
      data: { a: ['bulkId:y'] },
    });
    assert.deepEqual([...references].sort(), ['x', 'y']);
  });
});

describe('bulkResponse', () => {
  test('statuses become strings; absent fields stay absent', () => {
    assert.deepEqual(
      bulkResponse([
        { method: 'POST', bulkId: 'u1', status: 201, location: 'https://x/Users/1', version: 'W/"1"' },
        { method: 'DELETE', status: 409, response: { detail: 'x' } },
      ]),
      {
        schemas: [BULK_RESPONSE_URN],
        Operations: [
          { method: 'POST', bulkId: 'u1', version: 'W/"1"', location: 'https://x/Users/1', status: '201' },
          { method: 'DELETE', status: '409', response: { detail: 'x' } },
        ],
      },
    );
  });
});
