import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('monitoring settings: off by default, env and flags, validated', () => {
  const defaults = loadConfig({}, {}, '/tmp');
  assert.equal(defaults.monitor, false);
  assert.equal(defaults.monitorIntervalSeconds, 60);
  assert.equal(defaults.monitorFailures, 3);
  assert.equal(defaults.monitorNoticeIntervalMinutes, 30);
  assert.deepEqual(defaults.monitorBridgeUrls, ['http://localhost:3002']);
  assert.equal(defaults.logBufferLines, 2000);

  const configured = loadConfig(
    { SCIMBRIDGE_MONITOR: 'yes', SCIMBRIDGE_MONITOR_BRIDGES: 'https://a.example/, https://b.example:8443' },
    { monitorIntervalSeconds: '15', monitorFailures: '5', logBufferLines: '0' },
    '/tmp',
  );
  assert.equal(configured.monitor, true);
  assert.equal(configured.monitorIntervalSeconds, 15);
  assert.equal(configured.monitorFailures, 5);
  assert.equal(configured.logBufferLines, 0);
  assert.deepEqual(configured.monitorBridgeUrls, ['https://a.example', 'https://b.example:8443']);

  assert.throws(
    () => loadConfig({ SCIMBRIDGE_MONITOR_INTERVAL: '1' }),
    /SCIMBRIDGE_MONITOR_INTERVAL must be a whole number from 5/,
  );
  assert.throws(() => loadConfig({ SCIMBRIDGE_MONITOR_BRIDGES: 'ftp://x' }), ConfigError);
});

test('a malformed monitoring token is refused without echoing it', () => {
  const secretish = 'sbm_tooShortButSecretish';
  assert.throws(
    () => loadConfig({ SCIMBRIDGE_MONITOR_TOKEN: secretish }),
    (error: Error) => error instanceof ConfigError && !error.message.includes(secretish),
  );
  const good = `sbm_${'x'.repeat(43)}`;
  assert.equal(loadConfig({ SCIMBRIDGE_MONITOR_TOKEN: good }).monitorToken, good);
});
