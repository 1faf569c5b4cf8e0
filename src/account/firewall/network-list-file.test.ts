import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loggerInto } from '../../../test/support/log-lines.ts';
import type { Clock } from '../../clock.ts';
import { randomIds } from '../../clock.ts';
import { openStore } from '../../storage/open-store.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import { createFirewallGate } from './gate.ts';
import { addFirewallRule } from './manage-rules.ts';
import { NetworkListError } from './network-list.ts';
import { readNetworkListFile, watchNetworkListFile } from './network-list-file.ts';

const POLL_MS = 20;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-netlist-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the network list file', () => {
  test('a missing or malformed file at start is an error that names it', async () => {
    assert.throws(() => readNetworkListFile(path.join(dir, 'absent.txt')), NetworkListError);
    const bad = path.join(dir, 'bad.txt');
    await writeFile(bad, '203.0.113.0/24 Cloud\n');
    assert.throws(() => readNetworkListFile(bad), /bad\.txt line 1/);
  });

  test('a changed file replaces the list without a restart; a bad change keeps the previous list', async () => {
    const file = path.join(dir, 'networks.txt');
    await writeFile(file, '203.0.113.0/24 cloud Example Cloud\n');
    const lines: string[] = [];
    const source = watchNetworkListFile(file, readNetworkListFile(file), loggerInto(lines), POLL_MS);
    try {
      assert.deepEqual(
        source.current().networks.map((network) => network.cidr),
        ['203.0.113.0/24'],
      );
      await writeFile(file, '203.0.113.0/24 cloud Example Cloud\n198.51.100.0/24 anonymiser Relay\n');
      await until(() => source.current().networks.length === 2, 'the reload');
      assert.ok(lines.some((line) => line.includes('network list reloaded: 2 networks')));

      const good = source.current();
      await writeFile(file, 'not a network list at all\n');
      await until(() => lines.some((line) => line.includes('network list not reloaded')), 'the refusal');
      assert.equal(source.current(), good, 'the previous list stays in use');
      assert.ok(lines.some((line) => line.includes('line 1')));

      // A download that failed and left the file empty does not lift the deny rule.
      lines.length = 0;
      await writeFile(file, '');
      await until(() => lines.some((line) => line.includes('is now empty')), 'the refusal of an empty list');
      assert.equal(source.current(), good);

      // Configuration mounts replace the file by renaming a new one over it.
      const next = path.join(dir, 'networks.next');
      await writeFile(next, '192.0.2.0/24 cloud Third\n');
      await rename(next, file);
      await until(() => source.current().networks[0]?.cidr === '192.0.2.0/24', 'the renamed file');
    } finally {
      source.close();
    }
  });

  test('the firewall applies a reloaded list to the next decisions', async () => {
    const store = await openStore({ dataDir: await mkdtemp(path.join(dir, 'db-')) });
    try {
      let nowMs = Date.parse('2026-11-30T10:00:00Z');
      const clock: Clock = { now: () => new Date(nowMs) };
      const deps: AccountDeps = { store, clock, ids: randomIds };
      await addFirewallRule(deps, { kind: 'listed_networks' });
      const file = path.join(dir, 'gate.txt');
      await writeFile(file, '# nothing listed yet\n');
      const source = watchNetworkListFile(file, readNetworkListFile(file), loggerInto([]), POLL_MS);
      try {
        const gate = createFirewallGate(deps, source.current);
        await gate.check('198.51.100.7');
        await writeFile(file, '198.51.100.0/24 anonymiser Example relay network\n');
        await until(() => source.current().networks.length === 1, 'the reload');
        nowMs += 1001; // past the compiled rules' one-second cache
        await assert.rejects(gate.check('198.51.100.7'), (error: unknown) => {
          assert.ok(error instanceof AccountError);
          assert.equal(error.code, 'firewall_blocked');
          assert.match(error.message, /Example relay network/);
          return true;
        });
      } finally {
        source.close();
      }
    } finally {
      await store.close();
    }
  });
});
