import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { GoogleKeyError, loadGoogleKey, parseGoogleKey, resolveGoogleKeySource } from './key-file.ts';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const KEY = JSON.stringify({
  type: 'service_account',
  client_email: 'sa@p.iam.gserviceaccount.com',
  private_key: PEM,
  client_id: '42',
});

test('a path wins, then the base64 variable, then a mounted secret', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'google-key-'));
  try {
    await writeFile(path.join(dir, 'google-workspace-key.json'), KEY);
    assert.deepEqual(resolveGoogleKeySource({ keyPath: '/k.json', keyBase64: 'e30=', secretsDirs: [dir] }), {
      kind: 'file',
      path: '/k.json',
    });
    assert.equal(resolveGoogleKeySource({ keyBase64: 'e30=', secretsDirs: [dir] })?.kind, 'env');
    const secret = resolveGoogleKeySource({ secretsDirs: [dir] });
    assert.equal(secret?.kind, 'secret');
    assert.equal((await loadGoogleKey(secret!)).clientId, '42');
    assert.equal(resolveGoogleKeySource({ secretsDirs: [path.join(dir, 'none')] }), undefined);
    const fromEnv = await loadGoogleKey({
      kind: 'env',
      variable: 'X',
      value: Buffer.from(KEY).toString('base64'),
    });
    assert.equal(fromEnv.clientEmail, 'sa@p.iam.gserviceaccount.com');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a wrong file is refused with what to do, never quoting its content', async () => {
  const cases: Array<[string, RegExp]> = [
    ['not json {', /it is not JSON; download a JSON key/],
    ['[]', /not a JSON object/],
    [JSON.stringify({ type: 'authorized_user', private_key: PEM }), /"type" is not "service_account"/],
    [JSON.stringify({ type: 'service_account', private_key: PEM }), /"client_email" is missing/],
    [
      JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: 'secret-stuff' }),
      /"private_key" is missing or not a PEM/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseGoogleKey(text, 'file /k.json'),
      (error: unknown) =>
        error instanceof GoogleKeyError &&
        message.test(error.message) &&
        !error.message.includes('secret-stuff'),
    );
  }
  await assert.rejects(
    loadGoogleKey({ kind: 'file', path: '/no/such/key.json' }),
    /from file \/no\/such\/key.json: the file does not exist/,
  );
});
