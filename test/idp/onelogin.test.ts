/**
 * Replays what OneLogin sends (research/idp-behaviour.md §6, L1–L5 and §9) against a real
 * scimbridge over HTTP, on SQLite and on PostgreSQL. OneLogin's user bodies come from the
 * admin's "SCIM JSON Template", so their types follow the template: `"active": "true"` as a
 * string, `"id": null`, a manager object with a display name. OneLogin requires every answer
 * to be `application/json` [D OL-IMPL].
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDatabases } from '../support/requirements.ts';
import {
  ENTERPRISE,
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

// OneLogin's exact request headers are not documented [U]: JSON in, JSON out.
const ONELOGIN = {
  'user-agent': 'OneLogin SCIM Provisioner',
  accept: 'application/json',
  'content-type': 'application/json',
};
const q = (filter: string) => encodeURIComponent(filter);

/** A "SCIM v2 Enterprise" template, filled in for one user (L2). */
function fromTemplate(options: {
  email: string;
  given: string;
  family: string;
  active: string;
  managerId?: string;
}) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    id: null,
    userName: options.email,
    name: {
      givenName: options.given,
      familyName: options.family,
      formatted: `${options.given} ${options.family}`,
    },
    emails: [{ value: options.email, type: 'work', primary: true }],
    active: options.active,
    [ENTERPRISE]: {
      department: 'Flight Research',
      ...(options.managerId ? { manager: { value: options.managerId, displayName: 'Dorothy Vaughan' } } : {}),
    },
  };
}

for (const db of testDatabases()) {
  describe(`OneLogin request sequence (${db})`, () => {
    let sys: TestSystem;
    const ol = async (method: string, path: string, body?: unknown) => {
      const res = await sys.scim(method, path, body, ONELOGIN);
      // Every answer with a body, errors included, is application/json [D OL-IMPL].
      if (res.text !== '')
        assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/, `${method} ${path}`);
      return res;
    };
    let dorothyId = '';
    let katherineId = '';
    let groupId = '';

    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(async () => {
      await sys.close();
    });

    test('L1 Enable (the connection test): a userName that cannot exist is 200 with an empty list, as application/json', async () => {
      const res = await ol(
        'GET',
        `/Users?filter=${q('userName eq "onelogin-test-7f3a9c@nonexistent.example"')}`,
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    });

    test('a client that asks for application/scim+json still gets it', async () => {
      const res = await sys.scim('GET', '/Users?count=1', undefined, { accept: 'application/scim+json' });
      assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/);
    });

    test('L2 create from the template: "id": null and "active": "true" are accepted; the answer has real types', async () => {
      const dorothy = await ol(
        'POST',
        '/Users',
        fromTemplate({ email: 'dorothy@example.com', given: 'Dorothy', family: 'Vaughan', active: 'true' }),
      );
      assert.equal(dorothy.status, 201, dorothy.text);
      dorothyId = dorothy.body.id;
      const res = await ol(
        'POST',
        '/Users',
        fromTemplate({
          email: 'katherine.johnson@example.com',
          given: 'Katherine',
          family: 'Johnson',
          active: 'true',
          managerId: dorothyId,
        }),
      );
      assert.equal(res.status, 201, res.text);
      katherineId = res.body.id;
      assert.equal(typeof katherineId, 'string');
      assert.equal(res.body.active, true);
      assert.equal(res.body.name.formatted, 'Katherine Johnson');
      assert.equal(res.body[ENTERPRISE].department, 'Flight Research');
      assert.equal(res.body[ENTERPRISE].manager.value, dorothyId);
      assert.equal(res.headers.get('location'), `https://bridge.test/scim/v2/Users/${katherineId}`);
    });

    test('get by id and the userName lookup find the user', async () => {
      assert.equal((await ol('GET', `/Users/${katherineId}`)).body.userName, 'katherine.johnson@example.com');
      const found = await ol('GET', `/Users?filter=${q('userName eq "katherine.johnson@example.com"')}`);
      assert.equal(found.body.totalResults, 1);
      assert.equal(found.body.Resources[0].id, katherineId);
    });

    test('L3 update: PUT with the whole template body (still "id": null) changes the name', async () => {
      const res = await ol('PUT', `/Users/${katherineId}`, {
        ...fromTemplate({
          email: 'katherine.johnson@example.com',
          given: 'Katherine',
          family: 'Goble Johnson',
          active: 'true',
          managerId: dorothyId,
        }),
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.id, katherineId);
      assert.equal(res.body.name.familyName, 'Goble Johnson');
    });

    test('Suspend: the template PUT with "active": "false" suspends; "true" reactivates', async () => {
      const body = (active: string) =>
        fromTemplate({
          email: 'katherine.johnson@example.com',
          given: 'Katherine',
          family: 'Goble Johnson',
          active,
        });
      const off = await ol('PUT', `/Users/${katherineId}`, body('false'));
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      assert.equal((await sys.store.getMember(katherineId))?.state, 'suspended');
      const on = await ol('PUT', `/Users/${katherineId}`, body('true'));
      assert.equal(on.status, 200, on.text);
      assert.equal(on.body.active, true);
      assert.notEqual((await sys.store.getMember(katherineId))?.state, 'suspended');
    });

    test('Get Groups lists the groups for "Refresh" entitlements; Create Group answers 201', async () => {
      const list = await ol('GET', '/Groups');
      assert.equal(list.status, 200);
      assert.ok(Array.isArray(list.body.Resources));
      const created = await ol('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Flight Research',
      });
      assert.equal(created.status, 201, created.text);
      groupId = created.body.id;
      const again = await ol('GET', '/Groups');
      assert.ok(again.body.Resources.some((g: { id: string }) => g.id === groupId));
    });

    test('L5 Patch Group: lower-case add of members, then remove by filter', async () => {
      const add = await ol(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'add', path: 'members', value: [{ value: katherineId }, { value: dorothyId }] }),
      );
      assert.ok(add.status === 200 || add.status === 204, add.text);
      const remove = await ol(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'remove', path: `members[value eq "${dorothyId}"]` }),
      );
      assert.ok(remove.status === 200 || remove.status === 204, remove.text);
      const group = await ol('GET', `/Groups/${groupId}`);
      assert.deepEqual(
        group.body.members.map((m: { value: string }) => m.value),
        [katherineId],
      );
    });

    test('errors are application/json too, with the SCIM Error body', async () => {
      const missing = await ol('GET', '/Users/00000000-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body.schemas, [ERROR_SCHEMA]);
      const bad = await sys.scim('GET', '/Users', undefined, {
        ...ONELOGIN,
        authorization: 'Bearer sbt_wrong',
      });
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('content-type') ?? '', /^application\/json\b/);
    });

    test('L4 Delete User (when "Delete" is chosen) suspends the member (P14)', async () => {
      assert.equal((await ol('DELETE', `/Users/${dorothyId}`)).status, 204);
      const member = await sys.store.getMember(dorothyId);
      assert.equal(member?.state, 'suspended');
      assert.equal(member?.scimDeleted, true);
    });

    test('each request is logged as OneLogin, and no line holds the token', () => {
      for (const line of sys.logLines) assert.ok(!line.includes(sys.token));
      const requests = sys.logLines
        .map((line) => JSON.parse(line))
        .filter((entry) => entry.msg === 'scim request');
      assert.ok(requests.some((entry) => entry.idp === 'onelogin' && entry.op === 'users.replace'));
    });
  });
}
