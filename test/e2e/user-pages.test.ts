/**
 * A page of users is written from the stored profile text (bridge/scim/user-json.ts) — in one
 * process from the store, with a separate bridge from the account API's `?profiles=text` —
 * while a single GET renders the parsed user. An IdP must not see the difference: every user
 * on a page is byte for byte the user a GET answers, unusual profiles included, on both
 * databases and both ways of reaching the account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDatabases } from '../support/requirements.ts';
import { ENTERPRISE, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const USERS: Array<Record<string, unknown>> = [
  {
    name: { givenName: 'Plain', familyName: 'User' },
    emails: [{ value: 'plain@example.com', primary: true }],
  },
  {
    schemas: [USER_SCHEMA, ENTERPRISE],
    displayName: 'Zoë "quoted" \\ back\u2028slash',
    emails: [{ value: 'zoe@example.com', type: 'work', primary: true }],
    name: { formatted: 'Zoë Q', givenName: 'Zoë', familyName: 'Q' },
    title: 'Ünïcode ✓ 𝄞',
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'm-1' }, employeeNumber: '7' },
  },
  { emails: [], nickName: 'no address list' },
  { name: {}, preferredLanguage: 'de-CH', addresses: [{ type: 'work', locality: 'Zürich', primary: true }] },
  {
    displayName: 'Nested',
    phoneNumbers: [{ value: '+41 44 000 00 00', type: 'work' }],
    x509Certificates: [],
  },
];

for (const db of testDatabases()) {
  for (const accountTransport of ['in-process', 'http'] as const) {
    describe(`a page of users is the users a GET answers (${db}, ${accountTransport})`, () => {
      let sys: TestSystem;
      const ids: string[] = [];

      before(async () => {
        sys = await startTestSystem({ db, accountTransport });
        for (const [i, extra] of USERS.entries()) {
          const created = await sys.scim('POST', '/Users', {
            schemas: [USER_SCHEMA],
            userName: `page-${i}@example.com`,
            externalId: i % 2 === 0 ? `ext-${i}` : undefined,
            active: i !== 3,
            ...extra,
          });
          assert.equal(created.status, 201, created.text);
          ids.push(created.body.id);
        }
        const group = await sys.scim('POST', '/Groups', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Page "group" ✓',
          members: [{ value: ids[1] }, { value: ids[4] }],
        });
        assert.equal(group.status, 201, group.text);
      });

      after(() => sys?.close());

      test('each user on a page is the text a GET answers', async () => {
        const page = await sys.scim(
          'GET',
          `/Users?filter=${encodeURIComponent('userName sw "page-"')}&count=50`,
        );
        assert.equal(page.status, 200, page.text);
        assert.equal(page.body.totalResults, USERS.length);
        const listed = new Map<string, unknown>(
          (page.body.Resources as Array<{ id: string }>).map((user) => [user.id, user]),
        );
        for (const id of ids) {
          const single = await sys.scim('GET', `/Users/${id}`);
          assert.equal(single.status, 200, single.text);
          // Same members in the same order: compare the encoded text, not just the values.
          assert.equal(JSON.stringify(listed.get(id)), single.text, id);
        }
        // The group shows on its members' entries of the page too.
        const second = listed.get(ids[1]!) as { groups: Array<{ display: string }> };
        assert.deepEqual(
          second.groups.map((group) => group.display),
          ['Page "group" ✓'],
        );
      });

      test('a userName lookup answers the same user as the page', async () => {
        const lookup = await sys.scim(
          'GET',
          `/Users?filter=${encodeURIComponent('userName eq "page-1@example.com"')}`,
        );
        const single = await sys.scim('GET', `/Users/${ids[1]}`);
        assert.equal(JSON.stringify(lookup.body.Resources[0]), single.text);
      });
    });
  }
}
