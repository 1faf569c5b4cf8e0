import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToBase64Url } from '../encoding.ts';
import {
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  sign,
  verifySignature,
  x25519SharedSecret,
} from '../keys.ts';
import { randomBytes } from '../random.ts';
import { createCredentials } from './create-credentials.ts';
import { openSession, type SessionFile, serializeSessionFile, validateSessionFile } from './session-file.ts';
import { parseToken } from './token.ts';

const input = {
  accountUrl: 'https://team.example.com',
  integrationId: 'integration-1',
  keyId: 'key-1',
  now: new Date('2026-01-02T03:04:05.000Z'),
};

function tokenBytes(token: string): Uint8Array<ArrayBuffer> {
  const parsed = parseToken(token);
  assert.ok(parsed.ok);
  return parsed.token.bytes;
}

/** A different value of the same kind, so only the cryptography can tell. */
function altered(field: keyof SessionFile, file: SessionFile): SessionFile {
  const copy = { ...file };
  switch (field) {
    case 'version':
      return { ...copy, version: 2 as 1 };
    case 'salt':
      copy.salt = bytesToBase64Url(randomBytes(16));
      return copy;
    case 'nonce':
      copy.nonce = bytesToBase64Url(randomBytes(12));
      return copy;
    case 'blob': {
      const last = copy.blob.at(-1) === 'A' ? 'B' : 'A';
      copy.blob = copy.blob.slice(0, -1) + last;
      return copy;
    }
    default:
      copy[field] = `${copy[field]}x`;
      return copy;
  }
}

describe('session file', () => {
  test('has the documented shape and no private key in the clear', async () => {
    const credentials = await createCredentials(input);
    const file = credentials.sessionFile;
    assert.deepEqual(Object.keys(file).sort(), [
      'accountUrl',
      'blob',
      'createdAt',
      'integrationId',
      'keyId',
      'nonce',
      'salt',
      'version',
    ]);
    assert.equal(file.version, 1);
    assert.equal(file.accountUrl, input.accountUrl);
    assert.equal(file.integrationId, 'integration-1');
    assert.equal(file.keyId, 'key-1');
    assert.equal(file.createdAt, '2026-01-02T03:04:05.000Z');
    const text = serializeSessionFile(file);
    assert.ok(!text.includes(credentials.token));
    assert.ok(!text.includes(credentials.token.slice(4)));
    assert.deepEqual(validateSessionFile(JSON.parse(text)), { ok: true, file });
  });

  test('its token opens it and the keys match the public keys given to the account', async () => {
    const credentials = await createCredentials(input);
    const secrets = await openSession(credentials.sessionFile, tokenBytes(credentials.token));
    assert.ok(secrets);
    const signing = await importPrivateKey('Ed25519', secrets.signingPrivateKey);
    const message = new TextEncoder().encode('challenge');
    const signature = await sign(signing, message);
    const publicKey = await importPublicKey('Ed25519', credentials.signingPublicKey);
    assert.equal(await verifySignature(publicKey, signature, message), true);
    // The provisioning pair agrees with a third party's key from both sides: the halves belong together.
    const provisioning = await importPrivateKey('X25519', secrets.provisioningPrivateKey);
    const peer = await generateKeyPair('X25519');
    assert.deepEqual(
      await x25519SharedSecret(provisioning, peer.publicKey),
      await x25519SharedSecret(
        peer.privateKey,
        await importPublicKey('X25519', credentials.provisioningPublicKey),
      ),
    );
  });

  test('a token from another session does not open it, nor a random token', async () => {
    const mine = await createCredentials(input);
    const other = await createCredentials(input);
    assert.equal(await openSession(mine.sessionFile, tokenBytes(other.token)), undefined);
    assert.equal(await openSession(mine.sessionFile, randomBytes(32)), undefined);
  });

  for (const field of [
    'version',
    'accountUrl',
    'integrationId',
    'keyId',
    'createdAt',
    'salt',
    'nonce',
    'blob',
  ] as const) {
    test(`a changed ${field} makes the right token fail`, async () => {
      const credentials = await createCredentials(input);
      const tampered = altered(field, credentials.sessionFile);
      assert.notDeepEqual(tampered, credentials.sessionFile);
      assert.equal(await openSession(tampered, tokenBytes(credentials.token)), undefined);
    });
  }

  const badShapes: Array<[string, unknown, string]> = [
    ['an array', [], 'expected a JSON object'],
    ['null', null, 'expected a JSON object'],
    ['no version', {}, 'missing "version"'],
    ['version 2', { version: 2 }, 'unsupported format version 2 (this bridge reads version 1)'],
    ['no accountUrl', { version: 1 }, '"accountUrl" must be a non-empty string'],
    [
      'a numeric keyId',
      { version: 1, accountUrl: 'u', integrationId: 'i', keyId: 5, createdAt: 'c' },
      '"keyId" must be a non-empty string',
    ],
    [
      'a blob that is not base64url',
      {
        version: 1,
        accountUrl: 'u',
        integrationId: 'i',
        keyId: 'k',
        createdAt: 'c',
        salt: 'AA',
        nonce: 'AA',
        blob: 'a+b',
      },
      '"blob" must be base64url',
    ],
  ];
  for (const [name, value, problem] of badShapes) {
    test(`validation names the problem: ${name}`, () => {
      assert.deepEqual(validateSessionFile(value), { ok: false, problem });
    });
  }
});
