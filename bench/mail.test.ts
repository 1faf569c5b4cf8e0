import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAIL_DOCS_END, MAIL_DOCS_START, type MailBenchResult, mailMarkdown, spliceMail } from './mail.ts';

const result: MailBenchResult = {
  date: '2026-11-30T09:56:00.000Z',
  database: 'sqlite',
  messages: 10_000,
  totalSeconds: 18.8,
  sendingSeconds: 17.4,
  perSecond: 574,
  cpuMsPerMessage: 0.99,
  failed: 0,
  command: 'npm run bench -- --only MAIL',
};

test('the MAIL block is appended once, then replaced in place; the rest of the page stays', () => {
  const page =
    '# Benchmarks\n\nhand-written\n\n<!-- bench:results:start -->\nscim\n<!-- bench:results:end -->\n';
  const first = spliceMail(page, result);
  assert.ok(first.startsWith(page.trimEnd()));
  assert.equal(first.split(MAIL_DOCS_START).length, 2);
  const second = spliceMail(`${first}\ntrailing prose\n`, { ...result, totalSeconds: 21.5 });
  assert.equal(second.split(MAIL_DOCS_START).length, 2);
  assert.ok(second.includes('21.5 s (start-up included)'));
  assert.ok(!second.includes('18.8 s'));
  assert.ok(second.includes('hand-written') && second.includes('trailing prose') && second.includes('scim'));
  assert.ok(second.indexOf(MAIL_DOCS_END) > second.indexOf(MAIL_DOCS_START));
});

test('the verdict follows the bar and failures', () => {
  assert.match(mailMarkdown(result), /\| met \|/);
  assert.match(mailMarkdown({ ...result, totalSeconds: 31 }), /\*\*not met\*\*/);
  assert.match(mailMarkdown({ ...result, failed: 1 }), /\*\*not met\*\*/);
});
