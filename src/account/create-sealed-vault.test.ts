import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openBareDeps } from '../../test/support/account-fixture.ts';
import type { AccountDeps } from './deps.ts';
import { ensureAccount } from './ensure-account.ts';
import { AccountError } from './errors.ts';
import { createSealedVault } from './vaults.ts';

let deps: AccountDeps;
beforeEach(async () => {
  deps = await openBareDeps();
  await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
});
afterEach(() => deps.store.close());

const invalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof AccountError && error.code === 'invalid_input' && pattern.test(error.message);

test('a vault from the browser is refused, and nothing stored, when it cannot be opened by anyone or is malformed', async () => {
  const teamMembers = (await deps.store.findGroupByKind('team_members'))!;
  const seal = `sbs1.${'a'.repeat(43)}.${'b'.repeat(16)}.${'c'.repeat(80)}`;
  await assert.rejects(
    createSealedVault(deps, { id: 'vault-0001', name: 'Ops', grants: [] }),
    invalid(/at least one group/),
  );
  await assert.rejects(
    createSealedVault(deps, {
      id: 'x',
      name: 'Ops',
      grants: [{ groupId: teamMembers.id, sealedVaultKey: seal }],
    }),
    invalid(/vault id/),
  );
  await assert.rejects(
    createSealedVault(deps, {
      id: 'vault-0001',
      name: '',
      grants: [{ groupId: teamMembers.id, sealedVaultKey: seal }],
    }),
    invalid(/vault name/),
  );
  // Team Members has no key pair yet in this account: nothing to seal to.
  await assert.rejects(
    createSealedVault(deps, {
      id: 'vault-0001',
      name: 'Ops',
      grants: [{ groupId: teamMembers.id, sealedVaultKey: seal }],
    }),
    invalid(/has no key pair yet/),
  );
  assert.equal(await deps.store.getVault('vault-0001'), undefined, 'the transaction left nothing');
});
