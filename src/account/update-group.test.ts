import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { errorCode, type Fixture, openFixture } from '../../test/support/account-fixture.ts';
import { createGroup } from './create-group.ts';
import type { Group } from './model.ts';
import { updateGroup } from './update-group.ts';

let f: Fixture;
let eng: Group;
beforeEach(async () => {
  f = await openFixture();
  eng = await createGroup(f.deps, { displayName: 'Engineering', externalId: 'g1' }, []);
});
afterEach(() => f.close());

test('renames a group, bumps its version and records the old and new names', async () => {
  f.advance(1000);
  const renamed = await updateGroup(f.deps, eng.id, { displayName: 'R&D', externalId: 'g1' });
  assert.equal(renamed.displayName, 'R&D');
  assert.equal(renamed.version, 2);
  assert.equal(renamed.updatedAt, '2025-03-01T09:00:01.000Z');
  assert.deepEqual(await f.deps.store.getGroup(eng.id), renamed);
  const entry = (await f.activity()).at(-1)!;
  assert.equal(entry.action, 'group.renamed');
  assert.deepEqual(entry.detail, { from: 'Engineering', to: 'R&D' });
});

test('a change of case only is a rename of the same group, not a clash with itself', async () => {
  const renamed = await updateGroup(f.deps, eng.id, { displayName: 'ENGINEERING', externalId: 'g1' });
  assert.equal(renamed.displayName, 'ENGINEERING');
});

test('nothing changed: no write, same version, no activity', async () => {
  const before = await f.actions();
  const same = await updateGroup(f.deps, eng.id, { displayName: 'Engineering', externalId: 'g1' });
  assert.equal(same.version, 1);
  assert.deepEqual(await f.actions(), before);
});

test('refusals leave the group as it was', async () => {
  await createGroup(f.deps, { displayName: 'Sales', externalId: null }, []);
  const builtIn = (await f.deps.store.findGroupByKind('administrators'))!;
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    [
      'name of another group',
      () => updateGroup(f.deps, eng.id, { displayName: 'sales', externalId: 'g1' }),
      'group_name_taken',
    ],
    [
      'name of a built-in',
      () => updateGroup(f.deps, eng.id, { displayName: 'Owners', externalId: 'g1' }),
      'group_protected',
    ],
    [
      'renaming a built-in',
      () => updateGroup(f.deps, builtIn.id, { displayName: 'Admins', externalId: null }),
      'group_protected',
    ],
    [
      'stale version',
      () => updateGroup(f.deps, eng.id, { displayName: 'X', externalId: 'g1' }, 7),
      'version_mismatch',
    ],
    [
      'unknown group',
      () => updateGroup(f.deps, 'nope', { displayName: 'X', externalId: null }),
      'group_not_found',
    ],
  ];
  for (const [name, call, code] of cases) {
    assert.equal(await errorCode(call), code, name);
  }
  assert.deepEqual(await f.deps.store.getGroup(eng.id), eng);
  assert.equal((await f.deps.store.getGroup(builtIn.id))!.displayName, 'Administrators');
});
