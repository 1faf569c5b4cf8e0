/**
 * The rest of the SCIM surface over HTTP: discovery, POST /.search, ETags, Bulk with
 * bulkId references, and provisioning turned off (P3).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deactivateProvisioning } from '../../src/account/deactivate-provisioning.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

describe('SCIM protocol surface', () => {
  let sys: TestSystem;

  before(async () => {
    sys = await startTestSystem();
  });
  after(async () => {
    await sys.close();
  });

  test('discovery advertises what works, and the schemas served are the ones enforced', async () => {
    const config = await sys.scim('GET', '/ServiceProviderConfig');
    assert.equal(config.status, 200);
    assert.equal(config.body.patch.supported, true);
    assert.equal(config.body.bulk.supported, true);
    assert.equal(config.body.filter.supported, true);
    assert.equal(config.body.changePassword.supported, false);
    assert.equal(config.body.etag.supported, true);
    const types = await sys.scim('GET', '/ResourceTypes');
    assert.deepEqual(types.body.Resources.map((t: { name: string }) => t.name).sort(), ['Group', 'User']);
    const user = await sys.scim('GET', `/Schemas/${USER_SCHEMA}`);
    assert.equal(user.status, 200);
    const userName = user.body.attributes.find((a: { name: string }) => a.name === 'userName');
    assert.equal(userName.required, true);
    assert.equal(userName.uniqueness, 'server');
    assert.equal((await sys.scim('GET', '/Schemas/urn:nope')).status, 404);
  });

  test('POST /.search takes the list parameters in the body', async () => {
    await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'search.me@example.com' });
    const res = await sys.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "search."',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.totalResults, 1);
    assert.deepEqual(Object.keys(res.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
  });

  test('PUT replaces: what it omits is cleared like what it sends as null (RFC 7644 §3.5.1)', async () => {
    const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE_URN],
      userName: 'put.null@example.com',
      externalId: 'ext-put-null',
      emails: [{ value: 'put.null@example.com', primary: true }],
      name: { givenName: 'Put', familyName: 'Null', middleName: 'M' },
      title: 'Engineer',
      nickName: 'Putty',
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
      addresses: [{ locality: 'Utrecht', country: 'NL' }],
      [ENTERPRISE_URN]: { department: 'R&D', costCenter: 'CC-1' },
    });
    assert.equal(created.status, 201, created.text);
    const replaced = await sys.scim('PUT', `/Users/${created.body.id}`, {
      schemas: [USER_SCHEMA, ENTERPRISE_URN],
      userName: 'put.null@example.com',
      name: { givenName: 'Put' },
      title: null,
      [ENTERPRISE_URN]: { department: 'Ops' },
    });
    assert.equal(replaced.status, 200, replaced.text);
    const read = await sys.scim('GET', `/Users/${created.body.id}`);
    assert.equal(read.body.title, undefined, 'title was cleared by null');
    assert.equal(read.body.nickName, undefined, 'omitted nickName was cleared');
    assert.equal(read.body.phoneNumbers, undefined, 'omitted phoneNumbers were cleared');
    assert.equal(read.body.addresses, undefined, 'omitted addresses were cleared');
    assert.deepEqual(read.body.name, { givenName: 'Put' }, 'name replaced whole: its omitted parts are gone');
    assert.deepEqual(read.body[ENTERPRISE_URN], { department: 'Ops' }, 'omitted costCenter was cleared');
    assert.deepEqual(replaced.body, read.body, 'the PUT answered what a GET reads');
    // Kept: the member's address (required; a new one would need the member's acceptance,
    // P13), the IdP's externalId, the member's state, and the read-only attributes.
    assert.deepEqual(read.body.emails, [{ value: 'put.null@example.com', primary: true }]);
    assert.equal(read.body.externalId, 'ext-put-null');
    assert.equal(read.body.active, true);
    assert.equal(read.body.id, created.body.id);
    assert.equal(read.body.meta.created, created.body.meta.created);

    const refused = await sys.scim('PUT', `/Users/${created.body.id}`, {
      schemas: [USER_SCHEMA],
      userName: null,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.scimType, 'invalidValue');
    assert.equal((await sys.scim('GET', `/Users/${created.body.id}`)).body.userName, 'put.null@example.com');
  });

  test('a PUT that leaves out active keeps a suspended member suspended', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'put.suspended@example.com',
      emails: [{ value: 'put.suspended@example.com', primary: true }],
      active: false,
    });
    assert.equal(created.status, 201, created.text);
    const replaced = await sys.scim('PUT', `/Users/${created.body.id}`, {
      schemas: [USER_SCHEMA],
      userName: 'put.suspended@example.com',
      emails: [{ value: 'put.suspended@example.com', primary: true }],
      title: 'Former',
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.body.active, false);
    assert.equal(replaced.body.title, 'Former');
  });

  test('a group PATCH or PUT that renames and changes members lands whole or not at all (RFC 7644 §3.5.2)', async () => {
    const member = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'atomic.group@example.com',
    });
    assert.equal(member.status, 201, member.text);
    const created = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Atomic' });
    assert.equal(created.status, 201, created.text);
    const groupId = created.body.id as string;
    const unknownMember = '0190f5f0-0000-7000-8000-000000000000';
    const state = async () => {
      const group = await sys.scim('GET', `/Groups/${groupId}`);
      return [group.body.displayName, (group.body.members ?? []).map((m: { value: string }) => m.value)];
    };

    const patched = await sys.scim(
      'PATCH',
      `/Groups/${groupId}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'Atomic Renamed' },
        { op: 'Add', path: 'members', value: [{ value: member.body.id }, { value: unknownMember }] },
      ),
    );
    assert.ok(patched.status >= 400 && patched.status < 500, `${patched.status} ${patched.text}`);
    assert.deepEqual(await state(), ['Atomic', []], 'neither the name nor the known member landed');

    const put = await sys.scim('PUT', `/Groups/${groupId}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Atomic Renamed',
      members: [{ value: member.body.id }, { value: unknownMember }],
    });
    assert.ok(put.status >= 400 && put.status < 500, `${put.status} ${put.text}`);
    assert.deepEqual(await state(), ['Atomic', []]);

    const both = await sys.scim(
      'PATCH',
      `/Groups/${groupId}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'Atomic Renamed' },
        { op: 'Add', path: 'members', value: [{ value: member.body.id }] },
      ),
    );
    assert.equal(both.status, 204, both.text);
    assert.deepEqual(await state(), ['Atomic Renamed', [member.body.id]]);
    assert.equal(both.headers.get('etag'), `W/"2"`, 'one write, one version');
  });

  test('ETags: If-None-Match on the current version is 304; If-Match on it lets the write through', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'etag@example.com',
    });
    const etag = created.headers.get('etag')!;
    const unchanged = await sys.scim('GET', `/Users/${created.body.id}`, undefined, {
      'if-none-match': etag,
    });
    assert.equal(unchanged.status, 304);
    const updated = await sys.scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patch({ op: 'replace', path: 'title', value: 'Engineer' }),
      { 'if-match': etag },
    );
    assert.equal(updated.status, 200, updated.text);
    assert.notEqual(updated.headers.get('etag'), etag);
    const stale = await sys.scim('DELETE', `/Users/${created.body.id}`, undefined, { 'if-match': etag });
    assert.equal(stale.status, 412);
  });

  test('Bulk: a group created with a member that an earlier-listed operation creates, by bulkId', async () => {
    const res = await sys.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: { schemas: [GROUP_SCHEMA], displayName: 'Bulk Team', members: [{ value: 'bulkId:u1' }] },
        },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'u1',
          data: { schemas: [USER_SCHEMA], userName: 'bulk.user@example.com' },
        },
        {
          method: 'PATCH',
          path: '/Users/bulkId:u1',
          data: patch({ op: 'replace', path: 'title', value: 'Lead' }),
        },
        { method: 'DELETE', path: '/Users/no-such-user' },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const ops = res.body.Operations as Array<{
      method: string;
      bulkId?: string;
      status: string;
      location?: string;
    }>;
    const group = ops.find((op) => op.bulkId === 'g1')!;
    const user = ops.find((op) => op.bulkId === 'u1')!;
    assert.equal(user.status, '201');
    assert.equal(group.status, '201');
    assert.equal(ops.find((op) => op.method === 'PATCH')!.status, '200');
    assert.equal(ops.find((op) => op.method === 'DELETE')!.status, '404');
    const userId = user.location!.split('/').pop()!;
    const groupRes = await sys.scim('GET', `/Groups/${group.location!.split('/').pop()}`);
    assert.deepEqual(
      groupRes.body.members.map((m: { value: string }) => m.value),
      [userId],
    );
    assert.equal((await sys.scim('GET', `/Users/${userId}`)).body.title, 'Lead');
  });

  test('Bulk: circular bulkId references fail with 409 and create nothing', async () => {
    const before = await sys.store.listGroups({ startIndex: 1, count: 0 });
    const res = await sys.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'a',
          data: { displayName: 'A', members: [{ value: 'bulkId:b' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'b',
          data: { displayName: 'B', members: [{ value: 'bulkId:a' }] },
        },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.Operations.map((op: { status: string }) => op.status),
      ['409', '409'],
    );
    assert.equal((await sys.store.listGroups({ startIndex: 1, count: 0 })).total, before.total);
  });

  test('Bulk: failOnErrors stops after that many errors', async () => {
    const res = await sys.scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      failOnErrors: 1,
      Operations: [
        { method: 'DELETE', path: '/Users/missing-1' },
        { method: 'POST', path: '/Users', bulkId: 'late', data: { userName: 'never@example.com' } },
      ],
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.Operations.length, 1);
    const lookup = await sys.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "never@example.com"')}`,
    );
    assert.equal(lookup.body.totalResults, 0);
  });

  test('P3: with provisioning turned off every request, even discovery, gets an error that says so', async () => {
    await deactivateProvisioning({ store: sys.store, clock: systemClock, ids: randomIds });
    for (const path of ['/Users', '/ServiceProviderConfig']) {
      const res = await sys.scim('GET', path);
      assert.equal(res.status, 403, path);
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
      assert.match(res.body.detail, /provisioning is turned off/);
    }
    const created = await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'off@example.com' });
    assert.equal(created.status, 403);
    // Turning it on again means new credentials (P2).
    sys.token = await sys.regenerate();
    assert.equal((await sys.scim('GET', '/Users')).status, 200);
  });
});
