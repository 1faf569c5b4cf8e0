import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInLimiter } from './sign-in-limiter.ts';

function clock() {
  let now = Date.parse('2025-03-01T09:00:00Z');
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

test('an address is blocked after its failures until the window closes; a success clears it', () => {
  const time = clock();
  const limiter = new SignInLimiter(time, { perEmail: 3, perClient: 100, windowMs: 60_000 });
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('a@x.test', '10.0.0.1'), undefined);
    limiter.failed('A@x.test', '10.0.0.1');
  }
  assert.equal(limiter.retryAfter('a@x.test', '10.0.0.2'), 60);
  assert.equal(limiter.retryAfter('b@x.test', '10.0.0.1'), undefined, 'other addresses are not blocked');
  time.advance(30_000);
  assert.equal(limiter.retryAfter('a@x.test', '10.0.0.1'), 30);
  time.advance(30_000);
  assert.equal(limiter.retryAfter('a@x.test', '10.0.0.1'), undefined);
  limiter.failed('a@x.test', '10.0.0.1');
  limiter.succeeded('a@x.test');
  assert.equal(limiter.retryAfter('a@x.test', '10.0.0.1'), undefined);
});

test('one client guessing many addresses is blocked by its own count', () => {
  const limiter = new SignInLimiter(clock(), { perEmail: 5, perClient: 4 });
  for (let i = 0; i < 4; i++) limiter.failed(`user${i}@x.test`, '10.0.0.9');
  assert.ok(limiter.retryAfter('fresh@x.test', '10.0.0.9')! > 0);
  assert.equal(limiter.retryAfter('fresh@x.test', '10.0.0.8'), undefined);
});

test('memory stays bounded', () => {
  const limiter = new SignInLimiter(clock(), { maxTracked: 10 });
  for (let i = 0; i < 100; i++) limiter.failed(`user${i}@x.test`, `10.0.${i}.1`);
  assert.ok(limiter.tracked <= 10);
});
