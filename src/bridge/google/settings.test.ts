import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  EMPTY_SETTINGS,
  GoogleSettingsError,
  GoogleSettingsFile,
  normaliseGroups,
  syncActive,
} from './settings.ts';

test('settings survive a new reader (a restart), leave no temporary file, and never hold a key', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'google-settings-'));
  try {
    const file = new GoogleSettingsFile(path.join(dir, 'google-sync.json'));
    assert.deepEqual(await file.read(), EMPTY_SETTINGS);
    await file.update((s) => ({
      ...s,
      admin: 'IT@acme.test',
      groups: normaliseGroups(['B@acme.test', 'a@acme.test', 'b@acme.test']),
    }));
    const again = await new GoogleSettingsFile(path.join(dir, 'google-sync.json')).read();
    assert.equal(again.admin, 'it@acme.test');
    assert.deepEqual(again.groups, ['a@acme.test', 'b@acme.test']);
    assert.equal(syncActive(again), false, 'not before approval');
    assert.equal(
      syncActive({ ...again, enabled: true, approvedGroups: ['a@acme.test'] }),
      false,
      'not for other groups',
    );
    assert.equal(
      syncActive({ ...again, enabled: true, approvedGroups: ['a@acme.test', 'b@acme.test'] }),
      true,
    );
    assert.deepEqual(await readdir(dir), ['google-sync.json']);
    await writeFile(path.join(dir, 'google-sync.json'), '{"groups": "oops"');
    await assert.rejects(file.read(), /are damaged \(it is not JSON\); choose them again/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('group addresses are checked', () => {
  assert.throws(() => normaliseGroups(['not an address']), GoogleSettingsError);
  assert.throws(
    () => normaliseGroups(Array.from({ length: 201 }, (_, n) => `g${n}@acme.test`)),
    /at most 200/,
  );
});
