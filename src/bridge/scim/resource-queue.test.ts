import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceQueue } from './resource-queue.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('writes to one resource take turns; other resources do not wait; a failure does not block the next', async () => {
  const queue = new ResourceQueue();
  const order: string[] = [];
  const write = (key: string, name: string, fail = false) =>
    queue.run(key, async () => {
      order.push(`${name} start`);
      await tick();
      order.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([
    write('Users/1', 'a', true),
    write('Users/1', 'b'),
    write('Groups/1', 'c'),
  ]);
  assert.deepEqual(
    results.map((result) => result.status),
    ['rejected', 'fulfilled', 'fulfilled'],
  );
  assert.ok(order.indexOf('a end') < order.indexOf('b start'), order.join(', '));
  assert.ok(order.indexOf('c start') < order.indexOf('a end'), order.join(', '));
  await tick();
  assert.equal(queue.size, 0);
});
