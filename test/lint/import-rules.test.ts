/**
 * The import arrows of docs/architecture.md are enforced by Biome's noRestrictedImports
 * (biome.json overrides). These tests lint small probe trees with the project's own
 * configuration, so a change that loosens a rule fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const biome = join(root, 'node_modules', '.bin', 'biome');

function lintProbe(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scimbridge-lint-'));
  try {
    copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const run = spawnSync(biome, ['lint', '--max-diagnostics=50', '.'], { cwd: dir, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const target = 'export const value = 1;\n';
const importer = (from: string) => `import { value } from '${from}';\n\nexport const copy = value;\n`;

const forbidden: [string, string, string][] = [
  ['src/scim/probe.ts', '../account/model.ts', 'src/account/model.ts'],
  ['src/scim/filter/probe.ts', '../../storage/rows.ts', 'src/storage/rows.ts'],
  ['src/crypto/probe.ts', '../scim/errors.ts', 'src/scim/errors.ts'],
  ['src/account/probe.ts', '../storage/open-store.ts', 'src/storage/open-store.ts'],
  ['src/account/api/probe.ts', '../../bridge/app.ts', 'src/bridge/app.ts'],
  ['src/bridge/probe.ts', '../storage/open-store.ts', 'src/storage/open-store.ts'],
];

for (const [file, from, targetFile] of forbidden) {
  test(`lint refuses ${file} importing ${from}`, () => {
    const result = lintProbe({ [file]: importer(from), [targetFile]: target });
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /noRestrictedImports/);
  });
}

test('lint accepts the arrows the architecture allows', () => {
  const result = lintProbe({
    'src/scim/probe.ts': importer('./errors.ts'),
    'src/scim/errors.ts': target,
    'src/bridge/probe.ts': importer('../account/client.ts'),
    'src/account/client.ts': target,
    'src/storage/probe.ts': importer('../account/model.ts'),
    'src/account/model.ts': target,
  });
  assert.equal(result.status, 0, result.output);
});
