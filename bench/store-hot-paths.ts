/**
 * Micro-benchmark of the SQLite store's hot paths over 20,000 members: the lookups every
 * IdP request makes (getMember, findMemberByUserName), a page of 100 and an update of one
 * member (what deactivation writes). Prints µs per call for each.
 *
 *   node --import tsx bench/store-hot-paths.ts [sqlite-store.ts of each tree to compare …]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Member } from '../src/account/model.ts';
import type { Store } from '../src/account/store.ts';
import { eq, makeMember, path } from '../src/storage/contract-fixtures.ts';

type Open = (opts: { path: string }) => Promise<Store>;
const paths = process.argv.length > 2 ? process.argv.slice(2) : ['src/storage/sqlite/sqlite-store.ts'];
const opens: Open[] = [];
for (const path of paths) {
  opens.push(
    ((await import(pathToFileURL(resolve(path)).href)) as { openSqliteStore: Open }).openSqliteStore,
  );
}
const MEMBERS = 20_000;
const ROUNDS = 9;

function member(i: number): Member {
  return makeMember(`0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`, {
    userName: `user${i}@example.com`,
    email: `user${i}@example.com`,
    externalId: `ext-${i}`,
    displayName: `User ${i}`,
    givenName: 'User',
    familyName: String(i),
    profile: {
      name: { givenName: 'User', familyName: String(i) },
      emails: [{ value: `user${i}@example.com`, primary: true }],
    },
  });
}

type Workload = [label: string, calls: number, run: (store: Store, i: number) => Promise<unknown>];

const pick = (i: number) => member((i * 7919) % MEMBERS);
let inserted = 0;
const versions = new Map<string, number>();
const workloads: Workload[] = [
  ['getMember', 20_000, (store, i) => store.getMember(pick(i).id)],
  ['findMemberByUserName', 20_000, (store, i) => store.findMemberByUserName(pick(i).userName)],
  [
    'userName eq (as stored)',
    20_000,
    (store, i) =>
      store.listMembersAsStored({
        filter: eq(path('userName'), pick(i).userName),
        startIndex: 1,
        count: 100,
        excludeScimDeleted: true,
      }),
  ],
  [
    'groups of one member',
    20_000,
    (store, i) => store.listGroupsOfMembers([pick(i).id], { managedOnly: true }),
  ],
  [
    'listMembers (100)',
    500,
    (store, i) => store.listMembers({ startIndex: 1 + ((i * 100) % (MEMBERS - 100)), count: 100 }),
  ],
  [
    'listMembersAsStored (100)',
    500,
    (store, i) => store.listMembersAsStored({ startIndex: 1 + ((i * 100) % (MEMBERS - 100)), count: 100 }),
  ],
  [
    'groups of 100 members',
    500,
    (store, i) =>
      store.listGroupsOfMembers(
        Array.from({ length: 100 }, (_, j) => member((i * 100 + j) % MEMBERS).id),
        { managedOnly: true },
      ),
  ],
  [
    'updateMember (active)',
    2_000,
    (store, i) => {
      const m = member(i % MEMBERS);
      const key = `${stores.indexOf(store)}:${m.id}`;
      const version = versions.get(key) ?? 1;
      versions.set(key, version + 1);
      return store.transaction((tx) =>
        tx.updateMember({ ...m, state: version % 2 ? 'suspended' : 'active', version: version + 1 }, version),
      );
    },
  ],
  [
    'insertMember',
    2_000,
    (store) => store.transaction((tx) => tx.insertMember(member(MEMBERS + inserted++))),
  ],
];

const folder = mkdtempSync(join(tmpdir(), 'scimbridge-hot-'));
const stores: Store[] = [];
try {
  for (const [index, openStore] of opens.entries()) {
    const store = await openStore({ path: join(folder, `${index}`, 'scimbridge.db') });
    stores.push(store);
    for (let i = 0; i < MEMBERS; i += 500) {
      await store.transaction(async (tx) => {
        for (let j = i; j < i + 500; j++) await tx.insertMember(member(j));
      });
    }
  }
  // Rounds alternate between the stores, so that a busy machine slows each of them alike.
  const samples = stores.map(() => workloads.map((): number[] => []));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [s, store] of stores.entries()) {
      for (const [w, [, calls, run]] of workloads.entries()) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) await run(store, round * calls + i);
        samples[s]![w]!.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
      }
    }
  }
  for (const [w, [label]] of workloads.entries()) {
    const cells = samples.map((perStore) => {
      const sorted = [...perStore[w]!].sort((a, b) => a - b);
      return `${sorted[Math.floor(ROUNDS / 2)]!.toFixed(2)} (best ${sorted[0]!.toFixed(2)})`.padEnd(24);
    });
    console.log(`${label.padEnd(22)} ${cells.join(' ')}`);
  }
  console.log(`µs per call, median of ${ROUNDS} rounds; columns: ${paths.join(', ')}`);
} finally {
  for (const store of stores) await store.close();
  rmSync(folder, { recursive: true, force: true });
}
