/**
 * Replays the request sequence Okta sends (research/idp-behaviour.md §3.2, O1–O15) against
 * a real scimbridge over HTTP, on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDatabases } from '../support/requirements.ts';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0', accept: 'application/scim+json' };
const q = (filter: string) => encodeURIComponent(filter);

const grace = {
  schemas: [USER_SCHEMA],
  userName: 'grace.hopper@example.com',
  name: { givenName: 'Grace', familyName: 'Hopper' },
  emails: [{ primary: true, value: 'grace.hopper@example.com', type: 'work' }],
  displayName: 'Grace Hopper',
  locale: 'en-US',
  externalId: '00u1abcd2EFGH3ijk4l5',
  groups: [],
  password: 't9Qm2vLx',
  active: true,
};

for (const db of testDatabases()) {
  describe(`Okta request sequence (${db})`, () => {
    let sys: TestSystem;
    const okta = (method: string, path: string, body?: unknown) => sys.scim(method, path, body, OKTA);
    let graceId = '';
    let groupId = '';
    const others: string[] = [];

    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(async () => {
      await sys.close();
    });

    test('O1 lookup before create finds nothing: 200 and totalResults 0', async () => {
      const res = await okta(
        'GET',
        `/Users?filter=${q('userName eq "grace.hopper@example.com"')}&startIndex=1&count=100`,
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    });

    test('O2 create with a placeholder password and groups: []; the password is never returned', async () => {
      const res = await okta('POST', '/Users', grace);
      assert.equal(res.status, 201, res.text);
      graceId = res.body.id;
      assert.equal(res.body.password, undefined);
      assert.equal(res.body.externalId, '00u1abcd2EFGH3ijk4l5');
      assert.equal(res.body.locale, 'en-US');
      assert.ok(!res.text.includes('t9Qm2vLx'));
    });

    test('O2 recreating the same active user is 409 uniqueness with a detail', async () => {
      const res = await okta('POST', '/Users', grace);
      assert.equal(res.status, 409, res.text);
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
      assert.equal(res.body.status, '409');
      assert.equal(res.body.scimType, 'uniqueness');
      assert.ok(res.body.detail.length > 0);
    });

    test('O3 PUT echoing id, groups and meta updates the user and keeps attributes Okta does not send', async () => {
      const res = await okta('PUT', `/Users/${graceId}`, {
        schemas: [USER_SCHEMA],
        id: graceId,
        userName: 'grace.hopper@example.com',
        name: { givenName: 'Grace', middleName: 'Brewster', familyName: 'Hopper' },
        emails: [
          {
            primary: true,
            value: 'grace.hopper@example.com',
            type: 'work',
            display: 'grace.hopper@example.com',
          },
        ],
        active: true,
        groups: [],
        meta: { resourceType: 'User' },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.id, graceId);
      assert.equal(res.body.name.middleName, 'Brewster');
      assert.equal(res.body.externalId, '00u1abcd2EFGH3ijk4l5');
    });

    test('O4/O5 deactivate and reactivate with a no-path replace', async () => {
      const off = await okta(
        'PATCH',
        `/Users/${graceId}`,
        patch({ op: 'replace', value: { active: false } }),
      );
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.active, false);
      const on = await okta('PATCH', `/Users/${graceId}`, patch({ op: 'replace', value: { active: true } }));
      assert.equal(on.body.active, true);
    });

    test('O7 import pages with startIndex and count see every user exactly once, in a stable order', async () => {
      for (let i = 0; i < 7; i++) {
        const res = await okta('POST', '/Users', {
          schemas: [USER_SCHEMA],
          userName: `user${i}@example.com`,
          externalId: `00u-${i}`,
          emails: [{ value: `user${i}@example.com`, primary: true }],
        });
        assert.equal(res.status, 201, res.text);
        others.push(res.body.id);
      }
      const seen: string[] = [];
      let total = 0;
      for (let start = 1; start <= 20; start += 3) {
        const page = await okta('GET', `/Users?startIndex=${start}&count=3`);
        assert.equal(page.status, 200);
        total = page.body.totalResults;
        assert.equal(page.body.startIndex, start);
        seen.push(...page.body.Resources.map((user: { id: string }) => user.id));
        if (start + 3 > total) break;
      }
      // The account also has its owner, whom SCIM sees as well.
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total);
      for (const id of [graceId, ...others]) assert.ok(seen.includes(id));
      const totalsOnly = await okta('GET', '/Users?count=0');
      assert.equal(totalsOnly.body.totalResults, total);
      assert.deepEqual(totalsOnly.body.Resources, []);
    });

    test('O8/O9 push a group and find it by displayName', async () => {
      const created = await okta('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Platform Team',
        members: [],
      });
      assert.equal(created.status, 201, created.text);
      groupId = created.body.id;
      const found = await okta(
        'GET',
        `/Groups?filter=${q('displayName eq "Platform Team"')}&startIndex=1&count=100`,
      );
      assert.equal(found.body.totalResults, 1);
      assert.equal(found.body.Resources[0].id, groupId);
    });

    test('O10 rename with a no-path replace that echoes the read-only id', async () => {
      const res = await okta(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'replace', value: { id: groupId, displayName: 'Platform Team EU' } }),
      );
      assert.ok(res.status === 200 || res.status === 204, res.text);
      assert.equal((await okta('GET', `/Groups/${groupId}`)).body.displayName, 'Platform Team EU');
    });

    test('O11 membership delta: remove by filter and add with display, in one request', async () => {
      await okta(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'add', path: 'members', value: [{ value: graceId }] }),
      );
      const res = await okta(
        'PATCH',
        `/Groups/${groupId}`,
        patch(
          { op: 'remove', path: `members[value eq "${graceId}"]` },
          { op: 'add', path: 'members', value: [{ value: others[0], display: 'user0@example.com' }] },
        ),
      );
      assert.ok(res.status === 200 || res.status === 204, res.text);
      const group = await okta('GET', `/Groups/${groupId}`);
      assert.deepEqual(
        group.body.members.map((m: { value: string }) => m.value),
        [others[0]],
      );
    });

    test('O12 replace the whole member list', async () => {
      const res = await okta(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'replace', path: 'members', value: [{ value: others[1] }, { value: others[2] }] }),
      );
      assert.ok(res.status === 200 || res.status === 204, res.text);
      const group = await okta('GET', `/Groups/${groupId}`);
      assert.deepEqual(
        group.body.members.map((m: { value: string }) => m.value).sort(),
        [others[1], others[2]].sort(),
      );
    });

    test('O13 PUT a group with its full member list', async () => {
      const res = await okta('PUT', `/Groups/${groupId}`, {
        schemas: [GROUP_SCHEMA],
        displayName: 'Platform Team',
        members: [{ value: graceId, display: 'grace.hopper@example.com' }],
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.displayName, 'Platform Team');
      assert.deepEqual(
        res.body.members.map((m: { value: string }) => m.value),
        [graceId],
      );
    });

    test('O14 delete group', async () => {
      assert.equal((await okta('DELETE', `/Groups/${groupId}`)).status, 204);
      assert.equal((await okta('GET', `/Groups/${groupId}`)).status, 404);
    });

    test('O15 a wrong token is 401 with detail and status "401"; unknown id 404; unknown userName 200 empty', async () => {
      const bad = await sys.scim('GET', '/Users', undefined, {
        ...OKTA,
        authorization: 'Bearer sbt_not-the-right-token',
      });
      assert.equal(bad.status, 401);
      assert.deepEqual(bad.body.schemas, [ERROR_SCHEMA]);
      assert.equal(bad.body.status, '401');
      assert.ok(bad.body.detail);
      assert.equal((await okta('GET', '/Users/no-such-user')).status, 404);
      const none = await okta('GET', `/Users?filter=${q('userName eq "nobody@example.com"')}`);
      assert.equal(none.status, 200);
      assert.equal(none.body.totalResults, 0);
    });

    test('a returning user (deleted, then re-created with the same userName) never ends in a 409 loop', async () => {
      assert.equal((await okta('DELETE', `/Users/${others[3]}`)).status, 204);
      const again = await okta('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'user3@example.com',
        externalId: '00u-3',
        emails: [{ value: 'user3@example.com', primary: true }],
      });
      assert.equal(again.status, 201, again.text);
      assert.equal(again.body.active, true);
      const lookup = await okta('GET', `/Users?filter=${q('userName eq "user3@example.com"')}`);
      assert.equal(lookup.body.totalResults, 1);
    });
  });
}
