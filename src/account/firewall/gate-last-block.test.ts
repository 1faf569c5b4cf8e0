import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openBareDeps } from '../../../test/support/account-fixture.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import { createFirewallGate } from './gate.ts';
import { addFirewallRule } from './manage-rules.ts';
import { EMPTY_NETWORK_LIST } from './network-list.ts';

let deps: AccountDeps;
beforeEach(async () => {
  deps = await openBareDeps();
});
afterEach(() => deps.store.close());

test('the gate remembers its last refusal: the address, the rule and when (for the console)', async () => {
  await addFirewallRule(deps, { kind: 'range', action: 'deny', cidr: '198.51.100.0/24' });
  const gate = createFirewallGate(deps, () => EMPTY_NETWORK_LIST, 0);
  await gate.check('192.0.2.1');
  assert.equal(gate.lastBlocked(), undefined, 'an allowed address is no refusal');
  for (let i = 0; i < 2; i++) {
    await assert.rejects(gate.check('198.51.100.7'), AccountError);
    assert.deepEqual(gate.lastBlocked(), {
      address: '198.51.100.7',
      rule: gate.lastBlocked()!.rule,
      at: '2025-03-01T09:00:00.000Z',
    });
    assert.match(gate.lastBlocked()!.rule, /198\.51\.100\.0\/24/);
  }
});
