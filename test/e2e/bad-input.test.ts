/**
 * Bad, hostile and out-of-order input over HTTP (P23): each gets a SCIM error with the
 * right status and scimType, and changes nothing in the account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

describe('bad input changes nothing', () => {
  let sys: TestSystem;
  let userId = '';
  let groupId = '';

  const snapshot = async () => ({
    members: await sys.store.listMembers({ startIndex: 1, count: 1000 }),
    groups: await sys.store.listGroups({ startIndex: 1, count: 1000 }),
  });

  before(async () => {
    sys = await startTestSystem();
    const user = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'kim@example.com',
      emails: [{ value: 'kim@example.com', type: 'work', primary: true }],
      name: { givenName: 'Kim' },
    });
    assert.equal(user.status, 201, user.text);
    userId = user.body.id;
    const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Ops' });
    assert.equal(group.status, 201, group.text);
    groupId = group.body.id;
  });
  after(async () => {
    await sys.close();
  });

  const cases: Array<{
    name: string;
    method: string;
    path: () => string;
    body?: unknown;
    headers?: Record<string, string>;
    status: number;
    scimType?: string;
  }> = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: () => '/Users',
      body: '{"userName": ',
      status: 400,
      scimType: 'invalidSyntax',
    },
    {
      name: 'a JSON array as the body',
      method: 'POST',
      path: () => '/Users',
      body: '[]',
      status: 400,
      scimType: 'invalidSyntax',
    },
    { name: 'an empty body on create', method: 'POST', path: () => '/Users', body: '', status: 400 },
    {
      name: 'userName of the wrong type',
      method: 'POST',
      path: () => '/Users',
      body: { schemas: [USER_SCHEMA], userName: { first: 'x' }, emails: [{ value: 'x@example.com' }] },
      status: 400,
      scimType: 'invalidValue',
    },
    {
      name: 'a missing userName',
      method: 'POST',
      path: () => '/Users',
      body: { schemas: [USER_SCHEMA], emails: [{ value: 'x@example.com' }] },
      status: 400,
      scimType: 'invalidValue',
    },
    {
      name: 'no e-mail address at all',
      method: 'POST',
      path: () => '/Users',
      body: { schemas: [USER_SCHEMA], userName: 'not-an-address' },
      status: 400,
      scimType: 'invalidValue',
    },
    {
      name: 'two primary e-mails',
      method: 'POST',
      path: () => '/Users',
      body: {
        schemas: [USER_SCHEMA],
        userName: 'two@example.com',
        emails: [
          { value: 'a@example.com', primary: true },
          { value: 'b@example.com', primary: true },
        ],
      },
      status: 400,
      scimType: 'invalidValue',
    },
    {
      name: 'prototype pollution keys',
      method: 'POST',
      path: () => '/Users',
      body: '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p@example.com","__proto__":{"admin":true}}',
      status: 400,
    },
    {
      name: 'an unsupported content type',
      method: 'POST',
      path: () => '/Users',
      body: 'userName=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
    },
    {
      name: 'an oversized body',
      method: 'POST',
      path: () => '/Users',
      body: JSON.stringify({
        schemas: [USER_SCHEMA],
        userName: 'big@example.com',
        nickName: 'x'.repeat(2 * 1024 * 1024),
      }),
      status: 413,
    },
    {
      name: 'an unquoted filter value',
      method: 'GET',
      path: () => '/Users?filter=userName%20eq%20bob',
      status: 400,
      scimType: 'invalidFilter',
    },
    {
      name: 'a filter on an attribute that cannot be filtered',
      method: 'GET',
      path: () => `/Users?filter=${encodeURIComponent('password eq "x"')}`,
      status: 400,
      scimType: 'invalidFilter',
    },
    {
      name: 'a filter over the 4,096-character limit',
      method: 'GET',
      path: () => `/Users?filter=${encodeURIComponent(Array(300).fill('userName eq "a"').join(' or '))}`,
      status: 400,
      scimType: 'invalidFilter',
    },
    {
      name: 'deeply nested parentheses',
      method: 'GET',
      path: () =>
        `/Users?filter=${encodeURIComponent(`${'('.repeat(200)}userName eq "a"${')'.repeat(200)}`)}`,
      status: 400,
      scimType: 'invalidFilter',
    },
    {
      name: 'a non-numeric count',
      method: 'GET',
      path: () => '/Users?count=ten',
      status: 400,
      scimType: 'invalidValue',
    },
    {
      name: 'a PATCH whose third operation fails',
      method: 'PATCH',
      path: () => `/Users/${userId}`,
      body: patch(
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'name.givenName', value: 'Changed' },
        { op: 'replace', path: 'noSuchAttribute', value: 'x' },
      ),
      status: 400,
    },
    {
      name: 'a PATCH with an unknown op',
      method: 'PATCH',
      path: () => `/Users/${userId}`,
      body: patch({ op: 'merge', path: 'displayName', value: 'x' }),
      status: 400,
    },
    {
      name: 'a PATCH without the PatchOp schema',
      method: 'PATCH',
      path: () => `/Users/${userId}`,
      body: { Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] },
      status: 400,
      scimType: 'invalidSyntax',
    },
    {
      name: 'remove without a path',
      method: 'PATCH',
      path: () => `/Users/${userId}`,
      body: patch({ op: 'remove' }),
      status: 400,
      scimType: 'noTarget',
    },
    {
      name: 'adding an unknown member to a group',
      method: 'PATCH',
      path: () => `/Groups/${groupId}`,
      body: () =>
        patch({ op: 'add', path: 'members', value: [{ value: userId }, { value: 'no-such-member' }] }),
      status: 404,
    },
    {
      name: 'a stale If-Match',
      method: 'PATCH',
      path: () => `/Users/${userId}`,
      body: patch({ op: 'replace', path: 'displayName', value: 'x' }),
      headers: { 'if-match': 'W/"999"' },
      status: 412,
    },
    {
      name: 'renaming a group onto a built-in group name (P19)',
      method: 'PATCH',
      path: () => `/Groups/${groupId}`,
      body: patch({ op: 'replace', path: 'displayName', value: 'Owners' }),
      status: 403,
    },
  ];

  for (const c of cases) {
    test(`${c.name} → ${c.status}${c.scimType ? ` ${c.scimType}` : ''}, nothing changed`, async () => {
      const before = await snapshot();
      const body = typeof c.body === 'function' ? c.body() : c.body;
      const res = await sys.scim(c.method, c.path(), body, c.headers);
      assert.equal(res.status, c.status, res.text);
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
      assert.equal(res.body.status, String(c.status));
      if (c.scimType) assert.equal(res.body.scimType, c.scimType);
      assert.ok(typeof res.body.detail === 'string' && res.body.detail.length > 0);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('a SQL-looking filter value is just a value: 200 with no results', async () => {
    const res = await sys.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "x' OR 1=1 --"`)}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.totalResults, 0);
  });

  test('an unknown endpoint is a SCIM 404', async () => {
    const res = await sys.scim('GET', '/Widgets');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
  });

  test('no Authorization header is 401 and names what to send', async () => {
    const res = await sys.scim('GET', '/Users', undefined, { authorization: '' });
    assert.equal(res.status, 401);
    assert.match(res.body.detail, /Authorization/);
  });

  test('regenerated credentials make the old token fail at once and the new one work (P2)', async () => {
    const oldToken = sys.token;
    const newToken = await sys.regenerate();
    const old = await sys.scim('GET', '/Users', undefined, { authorization: `Bearer ${oldToken}` });
    assert.equal(old.status, 401, old.text);
    sys.token = newToken;
    assert.equal((await sys.scim('GET', '/Users')).status, 200);
  });

  test('repeated wrong tokens from one address are answered 429 with Retry-After', async () => {
    let last = 0;
    let retryAfter: string | null = null;
    for (let i = 0; i < 30 && last !== 429; i++) {
      const res = await sys.scim('GET', '/Users', undefined, { authorization: `Bearer sbt_wrong${i}` });
      last = res.status;
      retryAfter = res.headers.get('retry-after');
    }
    assert.equal(last, 429);
    assert.match(retryAfter ?? '', /^\d+$/);
  });
});
