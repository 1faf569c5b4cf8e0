import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openBareDeps } from '../../test/support/account-fixture.ts';
import type { AccountDeps } from './deps.ts';
import { ensureAccount } from './ensure-account.ts';
import { AccountError } from './errors.ts';
import { parseDomainList, setAllowedDomains } from './set-allowed-domains.ts';

let deps: AccountDeps;
beforeEach(async () => {
  deps = await openBareDeps();
  await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
});
afterEach(() => deps.store.close());

test('a list of domains is split, lower-cased and kept once each', () => {
  assert.deepEqual(parseDomainList('Acme.TEST, @sub.acme.test\nacme.test  other.example'), [
    'acme.test',
    'sub.acme.test',
    'other.example',
  ]);
  assert.deepEqual(parseDomainList('  '), []);
});

test('an entry that is not a domain is refused, naming it', () => {
  for (const bad of ['acme', 'ac me.test', 'acme..test', '-acme.test', 'a@b.test', '<script>.test']) {
    assert.throws(
      () => parseDomainList(`good.test, ${bad}`),
      (error) =>
        error instanceof AccountError &&
        error.code === 'invalid_input' &&
        /is not a domain name/.test(error.message),
      bad,
    );
  }
});

test('setting the list saves it and records who changed what', async () => {
  const account = await setAllowedDomains(deps, ['acme.test']);
  assert.deepEqual(account.allowedDomains, ['acme.test']);
  assert.deepEqual((await deps.store.getAccount())!.allowedDomains, ['acme.test']);
  const [entry] = await deps.store.listActivity({ limit: 1 });
  assert.equal(entry!.action, 'account.allowed_domains_changed');
  assert.equal(entry!.actor, 'admin');
  assert.deepEqual(entry!.detail, { from: [], to: ['acme.test'] });
});
