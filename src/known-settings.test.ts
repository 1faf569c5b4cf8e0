import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { KNOWN_SETTINGS, unknownSettingWarnings } from './known-settings.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      entry.name !== 'known-settings.ts'
      ? [full]
      : [];
  });
}

test('every SCIMBRIDGE_ variable the source reads is a known setting', () => {
  const read = new Set<string>();
  for (const file of sourceFiles(path.join(import.meta.dirname))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/['`](SCIMBRIDGE_[A-Z0-9_]+)/g))
      read.add(match[1] as string);
  }
  const missing = [...read].filter((name) => !KNOWN_SETTINGS.has(name));
  assert.deepEqual(missing, [], 'add these to src/known-settings.ts');
  assert.ok(read.has('SCIMBRIDGE_ACCOUNT_URL'));
});

test('a misspelt or look-alike setting is named at start; known ones and other variables are not', () => {
  const warnings = unknownSettingWarnings({
    SCIMBRIDGE_DATABASE_URL: 'postgres://db/scimbridge',
    SCIMBRIDGE_SMTP_ULR: 'smtp://mail',
    SCIMBRIDGE_ACCOUNT_URL: 'https://accounts.example.com',
    SCIMBRIDGE_TEST_DATABASE_URL: 'postgres://127.0.0.1/test',
    DATABASE_URL: 'postgres://db/scimbridge',
    PATH: '/usr/bin',
  });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] as string, /^SCIMBRIDGE_DATABASE_URL is set, but the setting is DATABASE_URL/);
  assert.match(warnings[1] as string, /^SCIMBRIDGE_SMTP_ULR is set, but scimbridge reads no such setting/);
  assert.ok(!warnings.join('\n').includes('postgres://'), 'values are never echoed');
});
