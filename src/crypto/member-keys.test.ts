import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToBase64Url } from './encoding.ts';
import { exportPublicKey, generateKeyPair, importPublicKey, x25519SharedSecret } from './keys.ts';
import {
  createMemberKeys,
  MemberKeyFormatError,
  MemberKeyUnlockError,
  MIN_PASSWORD_ITERATIONS,
  unlockMemberPrivateKey,
} from './member-keys.ts';

const FAST = { iterations: MIN_PASSWORD_ITERATIONS };

/** Two X25519 private keys are the same key when they agree on a secret with one peer. */
async function agreeWithPeer(privateKey: CryptoKey): Promise<string> {
  const peer = await generateKeyPair('X25519');
  const peerPublic = await importPublicKey('X25519', await exportPublicKey(peer.publicKey));
  return bytesToBase64Url(await x25519SharedSecret(privateKey, peerPublic));
}

describe('member keys', () => {
  test('the right password opens the private key that belongs to the public key', async () => {
    const { material, privateKey } = await createMemberKeys('correct horse battery staple', FAST);
    const opened = await unlockMemberPrivateKey(material, 'correct horse battery staple');
    const peer = await generateKeyPair('X25519');
    const withOpened = await x25519SharedSecret(opened, peer.publicKey);
    const withOriginal = await x25519SharedSecret(privateKey, peer.publicKey);
    const fromPeer = await x25519SharedSecret(
      peer.privateKey,
      await importPublicKey('X25519', material.publicKey),
    );
    assert.deepEqual(withOpened, withOriginal);
    assert.deepEqual(withOpened, fromPeer);
  });

  test('the sealed value holds neither the password nor the raw key', async () => {
    const { material } = await createMemberKeys('hunter2-but-longer', FAST);
    assert.match(
      material.encryptedPrivateKey,
      /^sbk1\.1000\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
    assert.ok(!material.encryptedPrivateKey.includes('hunter2'));
  });

  test('the unlocked key cannot be exported', async () => {
    const { material } = await createMemberKeys('pw-pw-pw-pw', FAST);
    const opened = await unlockMemberPrivateKey(material, 'pw-pw-pw-pw');
    assert.equal(opened.extractable, false);
    await assert.rejects(globalThis.crypto.subtle.exportKey('pkcs8', opened));
  });

  test('a wrong password is refused', async () => {
    const { material } = await createMemberKeys('right password', FAST);
    await assert.rejects(unlockMemberPrivateKey(material, 'wrong password'), MemberKeyUnlockError);
  });

  test('passwords are compared after Unicode normalisation', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    const { material } = await createMemberKeys(composed, FAST);
    const opened = await unlockMemberPrivateKey(material, decomposed);
    assert.equal(typeof (await agreeWithPeer(opened)), 'string');
  });

  test("a sealed key copied onto another member's public key does not open", async () => {
    const alice = await createMemberKeys('same password', FAST);
    const bob = await createMemberKeys('same password', FAST);
    await assert.rejects(
      unlockMemberPrivateKey(
        { publicKey: bob.material.publicKey, encryptedPrivateKey: alice.material.encryptedPrivateKey },
        'same password',
      ),
      MemberKeyUnlockError,
    );
  });

  test('a changed ciphertext is refused like a wrong password', async () => {
    const { material } = await createMemberKeys('pw', FAST);
    const parts = material.encryptedPrivateKey.split('.');
    const last = parts[4]!;
    parts[4] = (last[0] === 'A' ? 'B' : 'A') + last.slice(1);
    await assert.rejects(
      unlockMemberPrivateKey({ ...material, encryptedPrivateKey: parts.join('.') }, 'pw'),
      MemberKeyUnlockError,
    );
  });

  const malformed: Array<[string, string]> = [
    ['empty', ''],
    ['unknown format', 'sbk9.1000.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA'],
    ['too few fields', 'sbk1.1000.AAAA'],
    ['iterations below the floor', 'sbk1.10.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA'],
    ['iterations above the ceiling', 'sbk1.99999999999.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA'],
    ['iterations not a number', 'sbk1.lots.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA'],
    ['salt not base64url', 'sbk1.1000.!!!!.AAAAAAAAAAAAAAAA.AAAA'],
    ['salt of the wrong length', 'sbk1.1000.AAAA.AAAAAAAAAAAAAAAA.AAAA'],
  ];
  for (const [name, value] of malformed) {
    test(`a malformed sealed key is refused: ${name}`, async () => {
      const { material } = await createMemberKeys('pw', FAST);
      await assert.rejects(
        unlockMemberPrivateKey({ ...material, encryptedPrivateKey: value }, 'pw'),
        MemberKeyFormatError,
      );
    });
  }

  test('creating with iterations outside the allowed range is refused', async () => {
    await assert.rejects(createMemberKeys('pw', { iterations: 10 }), MemberKeyFormatError);
    await assert.rejects(createMemberKeys('pw', { iterations: 1.5 }), MemberKeyFormatError);
  });
});
