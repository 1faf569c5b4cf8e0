import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('config: the split deployment settings', () => {
  test('trust-proxy takes true/false words or a list of proxy addresses and ranges', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ SCIMBRIDGE_TRUST_PROXY: 'YES' }).trustProxy, true);
    assert.equal(loadConfig({}, { trustProxy: true }).trustProxy, true);
    assert.equal(loadConfig({ SCIMBRIDGE_TRUST_PROXY: '0' }).trustProxy, false);
    assert.equal(
      loadConfig({ SCIMBRIDGE_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,2001:db8::/32' }).trustProxy,
      '10.0.0.5,10.1.0.0/16,2001:db8::/32',
    );
    assert.throws(() => loadConfig({ SCIMBRIDGE_TRUST_PROXY: 'proxy.example.com' }), ConfigError);
  });

  test('TLS files go together and resolve against the working directory', () => {
    const config = loadConfig({ SCIMBRIDGE_TLS_CERT: 'c.pem', SCIMBRIDGE_TLS_KEY: 'k.pem' }, {}, '/srv');
    assert.deepEqual([config.tlsCert, config.tlsKey], ['/srv/c.pem', '/srv/k.pem']);
    assert.throws(() => loadConfig({ SCIMBRIDGE_TLS_CERT: 'c.pem' }), /go together/);
    assert.throws(() => loadConfig({}, { tlsKey: 'k.pem' }), /go together/);
  });

  test('the account URL overrides the session file only when given', () => {
    assert.equal(loadConfig({}).accountUrlOverride, undefined);
    assert.equal(
      loadConfig({}, { accountUrl: 'https://account.example.com/' }).accountUrlOverride,
      'https://account.example.com',
    );
    assert.throws(() => loadConfig({ SCIMBRIDGE_ACCOUNT_URL: 'ftp://x' }), ConfigError);
  });

  test('the network list path resolves against the working directory', () => {
    assert.equal(
      loadConfig({ SCIMBRIDGE_NETWORK_LIST: 'deploy/n.txt' }, {}, '/srv').networkListFile,
      '/srv/deploy/n.txt',
    );
    assert.equal(loadConfig({}).networkListFile, undefined);
  });
});
