/**
 * The monitoring-token check of the in-process client (P7): the answer straight from the
 * store, on SQLite and PostgreSQL (the separate bridge's check: src/bridge/monitoring-token-check.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openFixture } from '../../test/support/account-fixture.ts';
import { testDatabases } from '../../test/support/requirements.ts';
import { createInProcessAccountClient } from './in-process-client.ts';
import {
  createMonitoringToken,
  generateMonitoringToken,
  revokeMonitoringToken,
} from './monitoring-tokens.ts';

for (const db of testDatabases()) {
  test(`${db}: the in-process client answers from the store, with no cache of its own`, async () => {
    const f = await openFixture({ db });
    try {
      const client = createInProcessAccountClient(f.deps);
      const { token, record } = await createMonitoringToken(f.deps, 'prometheus');
      assert.equal(await client.checkMonitoringToken(token), true);
      for (const other of [generateMonitoringToken(), `${token}x`, token.toUpperCase(), '', 'sbm_']) {
        assert.equal(await client.checkMonitoringToken(other), false);
      }
      await revokeMonitoringToken(f.deps, record.id);
      assert.equal(await client.checkMonitoringToken(token), false);
    } finally {
      await f.close();
    }
  });
}
