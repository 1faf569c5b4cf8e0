import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../test/support/fake-clock.ts';
import { AddressLimiter } from './address-limiter.ts';

function setup(options: { maxAttempts?: number; windowMs?: number; maxTrackedAddresses?: number } = {}) {
  const clock = new FakeClock();
  return { clock, limiter: new AddressLimiter({ clock, ...options }) };
}

function fail(limiter: AddressLimiter, address: string, times: number): void {
  for (let index = 0; index < times; index++) limiter.record(address);
}

describe('AddressLimiter', () => {
  test('allows 10 attempts a minute, blocks the next attempt with the seconds left', () => {
    const { clock, limiter } = setup();
    fail(limiter, '203.0.113.7', 9);
    assert.deepEqual(limiter.check('203.0.113.7'), { blocked: false });
    limiter.record('203.0.113.7');
    assert.deepEqual(limiter.check('203.0.113.7'), { blocked: true, retryAfterSeconds: 60 });
    clock.advance(45_500);
    assert.deepEqual(limiter.check('203.0.113.7'), { blocked: true, retryAfterSeconds: 15 });
  });

  test('unblocks when the window closes and counts afresh', () => {
    const { clock, limiter } = setup();
    fail(limiter, '203.0.113.7', 10);
    clock.advance(60_000);
    assert.deepEqual(limiter.check('203.0.113.7'), { blocked: false });
    fail(limiter, '203.0.113.7', 9);
    assert.deepEqual(limiter.check('203.0.113.7'), { blocked: false });
  });

  test('the window opens at the first failure: attempts spread over more than a window never block', () => {
    const { clock, limiter } = setup({ maxAttempts: 3, windowMs: 10_000 });
    for (let index = 0; index < 20; index++) {
      limiter.record('198.51.100.1');
      assert.deepEqual(limiter.check('198.51.100.1'), { blocked: false }, `attempt ${index}`);
      clock.advance(5_000);
    }
  });

  test('addresses are counted separately', () => {
    const { limiter } = setup({ maxAttempts: 2 });
    fail(limiter, '203.0.113.7', 2);
    assert.equal(limiter.check('203.0.113.7').blocked, true);
    assert.deepEqual(limiter.check('203.0.113.8'), { blocked: false });
  });

  test('successes do not count: an address that never fails is never blocked', () => {
    const { limiter } = setup({ maxAttempts: 1 });
    for (let index = 0; index < 1000; index++)
      assert.deepEqual(limiter.check('192.0.2.1'), { blocked: false });
    assert.equal(limiter.trackedAddresses, 0);
  });

  test('Retry-After is at least one second', () => {
    const { clock, limiter } = setup({ maxAttempts: 1, windowMs: 1_000 });
    limiter.record('192.0.2.1');
    clock.advance(999);
    assert.deepEqual(limiter.check('192.0.2.1'), { blocked: true, retryAfterSeconds: 1 });
  });

  test('memory is bounded: past the cap the address that failed least recently is forgotten', () => {
    const { limiter } = setup({ maxAttempts: 1, maxTrackedAddresses: 3 });
    fail(limiter, 'a', 1);
    fail(limiter, 'b', 1);
    fail(limiter, 'c', 1);
    fail(limiter, 'a', 1); // a is now the most recent
    fail(limiter, 'd', 1);
    assert.equal(limiter.trackedAddresses, 3);
    assert.deepEqual(limiter.check('b'), { blocked: false });
    for (const kept of ['a', 'c', 'd']) assert.equal(limiter.check(kept).blocked, true, kept);
  });

  test('a flood of distinct addresses stays within the cap', () => {
    const { limiter } = setup({ maxTrackedAddresses: 100 });
    for (let index = 0; index < 10_000; index++) limiter.record(`10.0.${index >> 8}.${index & 255}`);
    assert.equal(limiter.trackedAddresses, 100);
  });
});
