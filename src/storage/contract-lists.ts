/** Part of the Store contract (`contract.ts`). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Store } from '../account/store.ts';
import type { AttrPath, Filter } from '../scim/filter/ast.ts';
import {
  assertSameAsStored,
  badUserFilters,
  ENTERPRISE,
  eq,
  FILTER_MEMBERS,
  makeGroup,
  makeMember,
  path,
  rejectsWith,
  UNUSUAL_PROFILES,
  userFilterCases,
} from './contract-fixtures.ts';

export function filtersContract(open: () => Promise<Store>): void {
  describe('filters', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    beforeEach(async () => {
      for (const member of FILTER_MEMBERS) await store.insertMember(member);
    });

    for (const [label, filter, expected] of userFilterCases) {
      test(`users: ${label}`, async () => {
        const page = await store.listMembers({ filter, startIndex: 1, count: 50 });
        assert.deepEqual(
          page.items.map((member) => member.id),
          expected,
        );
        assert.equal(page.total, expected.length);
      });
    }

    for (const [label, filter] of badUserFilters) {
      test(`users: refuses ${label} with 400 invalidFilter`, async () => {
        await rejectsWith(store.listMembers({ filter, startIndex: 1, count: 10 }), 400, 'invalidFilter');
        await rejectsWith(
          store.listMembersAsStored({ filter, startIndex: 1, count: 10 }),
          400,
          'invalidFilter',
        );
      });
    }

    test('users: filters of one shape with other values, on one store, find what each finds alone', async () => {
      // The store reuses a shape's SQL: every case after all the others, both ways round, twice.
      const cases = [...userFilterCases, ...[...userFilterCases].reverse()];
      for (const [label, filter, expected] of [...cases, ...cases]) {
        for (const query of [
          { filter, startIndex: 1, count: 50 },
          { filter, startIndex: 2, count: 1 },
        ]) {
          const page = await store.listMembers(query);
          assert.deepEqual(
            page.items.map((member) => member.id),
            expected.slice(query.startIndex - 1, query.startIndex - 1 + query.count),
            label,
          );
          assert.equal(page.total, expected.length, label);
        }
      }
      for (const [, filter] of badUserFilters) {
        await rejectsWith(store.listMembers({ filter, startIndex: 1, count: 10 }), 400, 'invalidFilter');
      }
    });

    test('users as stored: every filter and sort serves the same page, profiles as stored text', async () => {
      for (const [label, filter] of userFilterCases) {
        const query = { filter, startIndex: 1, count: 50 };
        await assertSameAsStored(
          await store.listMembers(query),
          await store.listMembersAsStored(query),
          label,
        );
      }
      for (const sortBy of [path('userName'), path('title'), path('department', undefined, ENTERPRISE)]) {
        for (const descending of [false, true]) {
          const query = { sortBy, descending, startIndex: 2, count: 2 };
          await assertSameAsStored(
            await store.listMembers(query),
            await store.listMembersAsStored(query),
            `${sortBy.attr} ${descending}`,
          );
        }
      }
    });

    test('groups: every supported attribute', async () => {
      await store.insertGroup(makeGroup('g1', { displayName: 'Engineering', externalId: 'G-1' }));
      await store.insertGroup(
        makeGroup('g2', {
          displayName: 'Sales',
          createdAt: '2024-06-01T00:00:00.000Z',
          updatedAt: '2024-06-02T00:00:00.000Z',
        }),
      );
      await store.insertGroup(makeGroup('g3', { displayName: 'engineers' }));
      await store.addGroupMembers('g1', ['m-a', 'm-b']);
      await store.addGroupMembers('g2', ['m-b']);
      const cases: Array<[Filter, string[]]> = [
        [eq(path('displayName'), 'ENGINEERING'), ['g1']],
        [{ op: 'sw', path: path('displayName'), value: 'engineer' }, ['g1', 'g3']],
        [eq(path('externalId'), 'G-1'), ['g1']],
        [eq(path('externalId'), 'g-1'), []],
        [eq(path('id'), 'g2'), ['g2']],
        [eq(path('members'), 'm-a'), ['g1']],
        [eq(path('members', 'value'), 'm-b'), ['g1', 'g2']],
        [{ op: 'valuePath', path: path('members'), filter: eq(path('value'), 'm-a') }, ['g1']],
        [{ op: 'pr', path: path('members') }, ['g1', 'g2']],
        [{ op: 'not', filter: { op: 'pr', path: path('members') } }, ['g3']],
        [{ op: 'gt', path: path('meta', 'created'), value: '2024-05-01T00:00:00Z' }, ['g2']],
        [{ op: 'le', path: path('meta', 'lastModified'), value: '2024-01-01T00:00:00Z' }, ['g1', 'g3']],
        [eq(path('displayName', undefined, 'urn:ietf:params:scim:schemas:core:2.0:Group'), 'sales'), ['g2']],
      ];
      for (const [filter, expected] of cases) {
        const page = await store.listGroups({ filter, startIndex: 1, count: 10 });
        assert.deepEqual(
          page.items.map((group) => group.id),
          expected,
          JSON.stringify(filter),
        );
        assert.equal(page.total, expected.length);
      }
      await rejectsWith(
        store.listGroups({ filter: eq(path('members', 'display'), 'x'), startIndex: 1, count: 10 }),
        400,
        'invalidFilter',
      );
      await rejectsWith(
        store.listGroups({ filter: eq(path('userName'), 'x'), startIndex: 1, count: 10 }),
        400,
        'invalidFilter',
      );
    });

    test('filter values are parameters, never SQL', async () => {
      const page = await store.listMembers({
        filter: eq(path('userName'), "alice' OR '1'='1"),
        startIndex: 1,
        count: 10,
      });
      assert.equal(page.total, 0);
    });
  });
}

export function listsContract(open: () => Promise<Store>): void {
  describe('lists', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const ids = Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    beforeEach(async () => {
      // userNames sort in the reverse of insertion order.
      for (const [i, id] of ids.entries()) {
        await store.insertMember(makeMember(id, { userName: `name-${String(99 - i).padStart(2, '0')}` }));
      }
    });

    async function sweep(pageSize: number, query: { sortBy?: AttrPath; descending?: boolean } = {}) {
      const seen: string[] = [];
      for (let startIndex = 1; ; startIndex += pageSize) {
        const page = await store.listMembers({ ...query, startIndex, count: pageSize });
        seen.push(...page.items.map((member) => member.id));
        if (page.items.length < pageSize) return { seen, total: page.total };
      }
    }

    test('default order is creation order; a sweep returns each row once', async () => {
      const { seen, total } = await sweep(7);
      assert.deepEqual(seen, ids);
      assert.equal(total, 25);
    });

    test('random access by startIndex matches the sweep', async () => {
      const page = await store.listMembers({ startIndex: 11, count: 3 });
      assert.deepEqual(
        page.items.map((member) => member.id),
        ids.slice(10, 13),
      );
      const descending = await store.listMembers({ startIndex: 2, count: 2, descending: true });
      assert.deepEqual(
        descending.items.map((member) => member.id),
        [ids[23], ids[22]],
      );
    });

    test('pages of a sweep asked for out of order still hold the right rows', async () => {
      // Concurrent sweeps ask for page k+1 before page k is served; each answer must still
      // be exactly its page, in both orders.
      for (const query of [{}, { sortBy: path('userName') }]) {
        const expected = 'sortBy' in query ? [...ids].reverse() : ids;
        const page = async (startIndex: number) =>
          (await store.listMembers({ ...query, startIndex, count: 4 })).items.map((member) => member.id);
        assert.deepEqual(await page(1), expected.slice(0, 4));
        assert.deepEqual(await page(9), expected.slice(8, 12));
        assert.deepEqual(await page(5), expected.slice(4, 8));
        assert.deepEqual(await page(17), expected.slice(16, 20));
        assert.deepEqual(await page(13), expected.slice(12, 16));
        assert.deepEqual(await page(21), expected.slice(20, 24));
        assert.deepEqual(await page(25), expected.slice(24, 25));
      }
    });

    test('sortBy userName (ascending and descending)', async () => {
      assert.deepEqual((await sweep(4, { sortBy: path('userName') })).seen, [...ids].reverse());
      assert.deepEqual((await sweep(4, { sortBy: path('userName'), descending: true })).seen, ids);
    });

    test('sortBy a nullable attribute puts missing values last', async () => {
      await store.updateMember(makeMember(ids[5]!, { userName: 'name-94', displayName: 'b', version: 2 }), 1);
      await store.updateMember(makeMember(ids[9]!, { userName: 'name-90', displayName: 'A', version: 2 }), 1);
      const { seen } = await sweep(6, { sortBy: path('displayName') });
      assert.deepEqual(seen.slice(0, 2), [ids[9], ids[5]]);
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
    });

    test('rows inserted during a sweep cause no duplicates', async () => {
      for (const sortBy of [undefined, path('userName')]) {
        const seen: string[] = [];
        for (let startIndex = 1, round = 0; ; startIndex += 5, round++) {
          const page = await store.listMembers({ startIndex, count: 5, sortBy });
          seen.push(...page.items.map((member) => member.id));
          if (page.items.length < 5) break;
          // one that sorts first by userName, one that sorts last
          await store.insertMember(
            makeMember(`new-${sortBy ? 's' : 'd'}${round}`, {
              userName: `aaa-${sortBy ? 's' : 'd'}${round}`,
            }),
          );
        }
        assert.equal(new Set(seen).size, seen.length, 'no row served twice');
        for (const id of ids) assert.ok(seen.includes(id), `${id} was served`);
      }
    });

    test('as stored: a sweep, totals and SCIM deletes match listMembers', async () => {
      await store.updateMember(
        makeMember(ids[3]!, { userName: 'name-96', scimDeleted: true, version: 2 }),
        1,
      );
      for (const excludeScimDeleted of [false, true]) {
        const seen: string[] = [];
        for (let startIndex = 1; startIndex <= 30; startIndex += 7) {
          const query = { startIndex, count: 7, excludeScimDeleted };
          const stored = await store.listMembersAsStored(query);
          await assertSameAsStored(await store.listMembers(query), stored, `${startIndex}`);
          seen.push(...stored.items.map((member) => member.id));
        }
        assert.deepEqual(seen, excludeScimDeleted ? ids.filter((id) => id !== ids[3]) : ids);
      }
      assert.deepEqual(await store.listMembersAsStored({ startIndex: 1, count: 0 }), {
        total: 25,
        items: [],
      });
      assert.deepEqual(await store.listMembersAsStored({ startIndex: 100, count: 5 }), {
        total: 25,
        items: [],
      });
    });

    test('as stored: unusual profiles come back as JSON text of exactly what was written', async () => {
      for (const [i, [label, profile]] of UNUSUAL_PROFILES.entries()) {
        await store.updateMember(makeMember(ids[i]!, { userName: `name-${99 - i}`, profile, version: 2 }), 1);
        const query = { startIndex: i + 1, count: 1 };
        const stored = await store.listMembersAsStored(query);
        assert.deepEqual(JSON.parse(stored.items[0]!.profileJson), profile, label);
        await assertSameAsStored(await store.listMembers(query), stored, label);
      }
    });

    test('count 0 returns the total only', async () => {
      const page = await store.listMembers({ startIndex: 1, count: 0 });
      assert.deepEqual(page, { total: 25, items: [] });
    });

    test('past the end: no rows, right total', async () => {
      const page = await store.listMembers({ startIndex: 100, count: 10 });
      assert.deepEqual(page, { total: 25, items: [] });
    });

    test('totals follow inserts, SCIM deletes and filters', async () => {
      const scimDeleted = makeMember(ids[0]!, { userName: 'name-99', scimDeleted: true, version: 2 });
      await store.updateMember(scimDeleted, 1);
      assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 25);
      assert.equal(
        (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
        24,
      );
      const live = await store.listMembers({ startIndex: 1, count: 100, excludeScimDeleted: true });
      assert.equal(live.items.length, 24);
      assert.ok(!live.items.some((member) => member.id === ids[0]));
      await store.insertMember(makeMember('late'));
      assert.equal(
        (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
        25,
      );
      await store.updateMember({ ...scimDeleted, scimDeleted: false, version: 3 }, 2);
      assert.equal(
        (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
        26,
      );
      const filtered = await store.listMembers({
        startIndex: 1,
        count: 2,
        filter: { op: 'sw', path: path('userName'), value: 'name-9' },
      });
      assert.equal(filtered.total, 10);
      assert.equal(filtered.items.length, 2);
    });

    test('group totals follow managed flags and deletes', async () => {
      await store.insertGroup(makeGroup('g1'));
      await store.insertGroup(makeGroup('g2', { managed: false }));
      assert.equal((await store.listGroups({ startIndex: 1, count: 0 })).total, 2);
      assert.equal((await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total, 1);
      await store.updateGroup(makeGroup('g2', { managed: true, version: 2 }), 1);
      const managed = await store.listGroups({ startIndex: 1, count: 10, managedOnly: true });
      assert.deepEqual(
        managed.items.map((group) => group.id),
        ['g1', 'g2'],
      );
      assert.equal(managed.total, 2);
      await store.deleteGroup('g1');
      assert.equal((await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total, 1);
      assert.equal((await store.listGroups({ startIndex: 1, count: 0 })).total, 1);
    });

    test('sortBy an unsupported attribute is 400 invalidValue', async () => {
      await rejectsWith(
        store.listMembers({ startIndex: 1, count: 5, sortBy: path('password') }),
        400,
        'invalidValue',
      );
      await rejectsWith(
        store.listMembers({ startIndex: 1, count: 5, sortBy: path('active') }),
        400,
        'invalidValue',
      );
    });
  });
}
