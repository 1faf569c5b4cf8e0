import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isPostgresUrl, openStore } from './open-store.ts';

test('without a postgres URL the store is SQLite under the data folder', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'scimbridge-open-')), 'data');
  try {
    const store = await openStore({ dataDir });
    assert.equal(store.dialect, 'sqlite');
    await store.close();
    assert.ok(existsSync(join(dataDir, 'scimbridge.db')));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('postgres:// and postgresql:// URLs select PostgreSQL', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['postgres://u@h/db', true],
    ['postgresql://u@h/db', true],
    ['POSTGRES://u@h/db', true],
    ['sqlite:///x.db', false],
    ['', false],
    [undefined, false],
  ];
  for (const [url, expected] of cases) assert.equal(isPostgresUrl(url), expected, String(url));
});
