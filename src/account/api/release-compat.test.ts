import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createHttpTransport, TransportError } from '../../bridge/account-http/transport.ts';
import { VERSION } from '../../version.ts';
import { RELEASE_HEADER, releaseMismatchMessage, releasesCompatible } from './release-compat.ts';

test('releases work together within one minor release of the same major', () => {
  assert.equal(releasesCompatible('0.1.0', '0.1.9'), true);
  assert.equal(releasesCompatible('0.2.0', '0.1.3'), true);
  assert.equal(releasesCompatible('0.1.0', '0.2.5-rc.1'), true);
  assert.equal(releasesCompatible('0.1.0', '0.3.0'), false);
  assert.equal(releasesCompatible('1.4.0', '0.4.0'), false);
  assert.equal(releasesCompatible('1.4.0', 'nonsense'), false);
  assert.equal(releasesCompatible('1.4.0', ''), false);
});

test('the message names both releases and the side to upgrade, and never echoes junk', () => {
  assert.equal(
    releaseMismatchMessage('0.3.0', '0.1.2'),
    'this account server runs scimbridge 0.3.0 and the bridge 0.1.2: they work together only within one minor release; upgrade the bridge',
  );
  assert.match(releaseMismatchMessage('0.1.0', '0.4.0'), /upgrade the account server$/);
  assert.match(releaseMismatchMessage('0.1.0', '\u001b[31mred'), /the bridge "\?\[31mred"/);
});

test('the bridge sends its release and refuses an account server too far apart, naming both', async () => {
  const seen: Array<string | undefined> = [];
  let answer = VERSION;
  const server = http.createServer((request, response) => {
    seen.push(request.headers[RELEASE_HEADER] as string | undefined);
    response.writeHead(200, { 'content-type': 'application/json', [RELEASE_HEADER]: answer });
    response.end('{"ok":true}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transport = createHttpTransport(5000);
  try {
    assert.deepEqual((await transport.request(base, 'GET', '/x', undefined)).body, { ok: true });
    answer = '9.0.0';
    await assert.rejects(
      transport.request(base, 'GET', '/x', undefined),
      (error: unknown) =>
        error instanceof TransportError &&
        error.code === 'E_RELEASE' &&
        error.message === releaseMismatchMessage('9.0.0', VERSION),
    );
    assert.deepEqual(seen, [VERSION, VERSION]);
  } finally {
    transport.destroy();
    server.close();
  }
});
