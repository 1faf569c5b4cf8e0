import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('the confirmation interval defaults to 300 s; env and flag set it; the flag wins', () => {
  assert.equal(loadConfig({}).confirmationInterval, 300);
  assert.equal(loadConfig({ SCIMBRIDGE_CONFIRMATION_INTERVAL: '45' }).confirmationInterval, 45);
  assert.equal(
    loadConfig({ SCIMBRIDGE_CONFIRMATION_INTERVAL: '45' }, { confirmationInterval: '60' })
      .confirmationInterval,
    60,
  );
});

for (const bad of ['29', '0', '-5', '1.5', 'soon', '86401']) {
  test(`a confirmation interval of "${bad}" is refused with a message that says the range`, () => {
    assert.throws(
      () => loadConfig({ SCIMBRIDGE_CONFIRMATION_INTERVAL: bad }),
      (error: unknown) => error instanceof ConfigError && /from 30 to 86400/.test(error.message),
    );
  });
}
