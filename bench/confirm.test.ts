import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONFIRM_SECTION_END,
  CONFIRM_SECTION_START,
  confirmMarkdown,
  runConfirmBenchmark,
  spliceConfirmSection,
} from './confirm.ts';

test('the provision watcher benchmark confirms every member, and the sample opens its vaults', async () => {
  const result = await runConfirmBenchmark({
    members: 25,
    database: 'sqlite',
    postgresUrl: '',
    log: () => undefined,
  });
  assert.equal(result.confirmed, 25);
  assert.equal(result.failed, 0);
  assert.equal(result.verified, 5);
  assert.ok(result.cpuSeconds > 0);
});

test('the benchmark writes its own section and leaves the rest of the page alone', () => {
  const section = confirmMarkdown([]);
  const page = '# Benchmarks\n\n## Other\n\nkept\n';
  const once = spliceConfirmSection(page, section);
  assert.ok(once.startsWith(page.trimEnd()));
  assert.ok(once.includes(CONFIRM_SECTION_START) && once.includes(CONFIRM_SECTION_END));
  const twice = spliceConfirmSection(`${once}\n## After\n`, confirmMarkdown([]));
  assert.equal(twice.split(CONFIRM_SECTION_START).length, 2, 'replaced, not appended again');
  assert.ok(twice.includes('## After') && twice.includes('kept'));
});
