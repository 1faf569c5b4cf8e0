import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openBareDeps } from '../../../test/support/account-fixture.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { OutboxMessage } from '../model.ts';
import { retryMail } from './retry-mail.ts';

let deps: AccountDeps;
const failed: OutboxMessage = {
  id: 'mail-1',
  to: 'ana@example.com',
  template: 'account_ready',
  data: { memberId: 'm1', accountName: 'Acme', link: 'https://account.example.com' },
  state: 'failed',
  attempts: 10,
  nextAttemptAt: '2025-03-01T08:00:00.000Z',
  lastError: '550 mailbox unavailable',
  createdAt: '2025-03-01T07:00:00.000Z',
  sentAt: null,
};

beforeEach(async () => {
  deps = await openBareDeps();
});
afterEach(() => deps.store.close());

test('a failing e-mail goes back into the queue, due now, with a fresh round of attempts', async () => {
  await deps.store.enqueueMail(failed);
  await retryMail(deps, 'mail-1');
  const stored = (await deps.store.getMail('mail-1'))!;
  assert.equal(stored.state, 'queued');
  assert.equal(stored.attempts, 0);
  assert.equal(stored.nextAttemptAt, '2025-03-01T09:00:00.000Z');
  assert.equal(stored.lastError, '550 mailbox unavailable');
  assert.equal((await deps.store.listActivity({ limit: 1 }))[0]!.action, 'mail.retried');
});

test('mail that is waiting or sent is not sent again', async () => {
  await deps.store.enqueueMail({ ...failed, state: 'queued', attempts: 1 });
  await assert.rejects(
    retryMail(deps, 'mail-1'),
    (error) => error instanceof AccountError && /waiting already/.test(error.message),
  );
  assert.equal((await deps.store.getMail('mail-1'))!.attempts, 1, 'unchanged');
  await assert.rejects(retryMail(deps, 'nope'), AccountError);
});
