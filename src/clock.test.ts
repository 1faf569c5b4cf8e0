import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomIds } from './clock.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomIds', () => {
  test('makes RFC 9562 version 7 UUIDs', () => {
    for (let i = 0; i < 100; i++) assert.match(randomIds(), UUID_V7);
  });

  test('never repeats an id', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => randomIds()));
    assert.equal(ids.size, 10_000);
  });

  test('an id made in a later millisecond sorts after an earlier one', async () => {
    const earlier = randomIds();
    await new Promise((resolve) => setTimeout(resolve, 3));
    const later = randomIds();
    assert.ok(earlier < later, `${earlier} should sort before ${later}`);
  });

  test('the leading 48 bits are the creation time in Unix milliseconds', () => {
    const before = Date.now();
    const id = randomIds();
    const after = Date.now();
    const millis = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    assert.ok(millis >= before && millis <= after);
  });
});
