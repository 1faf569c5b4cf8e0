import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  memberInput,
  openFixture,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import { countPeople } from './count-people.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import { listPeople } from './list-people.ts';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`listPeople and countPeople (${db})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await openFixture({ db });
      const people = [
        ['grace@acme.test', 'Grace Hopper', 'Grace', 'Hopper'],
        ['Alan@acme.test', 'Alan Turing', 'Alan', 'Turing'],
        ['ada@acme.test', 'Ada Lovelace', 'Ada', 'Lovelace'],
        ['linus@acme.test', 'Linus T', 'Linus', 'Torvalds'],
        ['barbara@acme.test', 'Barbara Liskov', 'Barbara', 'Liskov'],
      ] as const;
      for (const [email, displayName, givenName, familyName] of people) {
        await createMember(
          f.deps,
          memberInput({ email, userName: email, displayName, givenName, familyName }),
        );
      }
    });
    afterEach(() => f.close());

    const emails = (page: { people: Array<{ email: string }> }) => page.people.map((m) => m.email);

    test('everyone in e-mail order, case-insensitively, in keyset pages that end', async () => {
      const first = await listPeople(f.deps, { limit: 2 });
      assert.deepEqual(emails(first), ['ada@acme.test', 'Alan@acme.test']);
      assert.ok(first.next);
      const second = await listPeople(f.deps, { limit: 2, after: first.next });
      assert.deepEqual(emails(second), ['barbara@acme.test', 'grace@acme.test']);
      // A member created meanwhile before the cursor does not shift the next page.
      await createMember(f.deps, memberInput({ email: 'aaron@acme.test', userName: 'aaron@acme.test' }));
      const third = await listPeople(f.deps, { limit: 2, after: second.next! });
      assert.deepEqual(emails(third), ['linus@acme.test', 'owner@acme.test']);
      assert.equal(third.next, null);
    });

    test('search is a case-insensitive prefix of e-mail, display, given or family name', async () => {
      assert.deepEqual(emails(await listPeople(f.deps, { search: 'AL' })), ['Alan@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { search: 'hopp' })), ['grace@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { search: 'barbara l' })), ['barbara@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { search: 'tor' })), ['linus@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { search: 'ovelace' })), []);
      assert.deepEqual(emails(await listPeople(f.deps, { search: '%' })), []);
      const [first, second] = [
        await listPeople(f.deps, { search: 'a', limit: 1 }),
        await listPeople(f.deps, { search: 'a', limit: 5 }),
      ];
      const rest = await listPeople(f.deps, { search: 'a', limit: 5, after: first.next! });
      assert.deepEqual([...emails(first), ...emails(rest)], emails(second));
    });

    test('state and managed filters, with counts by state; members the IdP deleted are listed as suspended', async () => {
      const grace = (await f.deps.store.findMemberByEmail('grace@acme.test'))!;
      const ada = (await f.deps.store.findMemberByEmail('ada@acme.test'))!;
      await deleteMember(f.deps, grace.id);
      await setMemberState(f, ada.id, { state: 'pending', signedUpAt: '2025-03-01T10:00:00.000Z' });
      assert.deepEqual(emails(await listPeople(f.deps, { state: 'suspended' })), ['grace@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { state: 'PENDING' })), ['ada@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { managed: false })), ['owner@acme.test']);
      assert.deepEqual(emails(await listPeople(f.deps, { managed: true, state: 'invited', search: 'l' })), [
        'barbara@acme.test',
        'linus@acme.test',
      ]);
      assert.deepEqual(await countPeople(f.deps), {
        total: 6,
        byState: { invited: 4, pending: 1, active: 0, suspended: 1 },
      });
    });

    test('bad input is refused with what to fix', async () => {
      assert.equal(await errorCode(() => listPeople(f.deps, { state: 'gone' })), 'invalid_input');
      assert.equal(await errorCode(() => listPeople(f.deps, { limit: 0 })), 'invalid_input');
      assert.equal(await errorCode(() => listPeople(f.deps, { after: 'ada@acme.test' })), 'invalid_input');
      assert.equal(await errorCode(() => listPeople(f.deps, { search: 'a\u0000' })), 'invalid_input');
    });
  });
}
