import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { SignInBackoff } from './sign-in-backoff.ts';

test('two failures cost nothing; from the third the wait doubles; a success clears it', () => {
  const clock = new FakeClock();
  const backoff = new SignInBackoff(clock);
  backoff.failed('Ada@example.com');
  backoff.failed('ada@example.com');
  assert.equal(backoff.retryAfter('ada@example.com'), undefined);
  backoff.failed('ada@example.com');
  assert.equal(backoff.retryAfter('ADA@example.com'), 1);
  clock.advance(1000);
  assert.equal(backoff.retryAfter('ada@example.com'), undefined);
  backoff.failed('ada@example.com');
  assert.equal(backoff.retryAfter('ada@example.com'), 2);
  backoff.failed('ada@example.com');
  assert.equal(backoff.retryAfter('ada@example.com'), 4);
  assert.equal(backoff.retryAfter('bob@example.com'), undefined, 'per address');
  backoff.succeeded('ada@example.com');
  assert.equal(backoff.retryAfter('ada@example.com'), undefined);
});

test('the wait stops growing at a minute, and old failures are forgotten', () => {
  const clock = new FakeClock();
  const backoff = new SignInBackoff(clock);
  for (let i = 0; i < 20; i++) backoff.failed('ada@example.com');
  assert.equal(backoff.retryAfter('ada@example.com'), 60);
  clock.advance(16 * 60_000);
  backoff.failed('ada@example.com');
  assert.equal(backoff.retryAfter('ada@example.com'), undefined);
});

test('memory is bounded: the stalest address goes first', () => {
  const backoff = new SignInBackoff(new FakeClock(), 2);
  for (const who of ['a@x.test', 'b@x.test', 'c@x.test']) for (let i = 0; i < 3; i++) backoff.failed(who);
  assert.equal(backoff.retryAfter('a@x.test'), undefined);
  assert.equal(backoff.retryAfter('c@x.test'), 1);
});
