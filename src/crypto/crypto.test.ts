import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, test } from 'node:test';
import { AeadError, aesGcmDecrypt, aesGcmEncrypt, importAesGcmKey } from './aead.ts';
import { sha256 } from './digest.ts';
import {
  type Bytes,
  base64UrlToBytes,
  bytesToBase64Url,
  bytesToUtf8,
  EncodingError,
  isBase64UrlOfLength,
  utf8ToBytes,
} from './encoding.ts';
import { hkdfAesGcmKey, hkdfSha256 } from './hkdf.ts';
import {
  exportPrivateKey,
  exportPublicKey,
  generateExportedKeyPair,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  sign,
  verifySignature,
  x25519SharedSecret,
} from './keys.ts';
import { randomBytes } from './random.ts';

const hex = (text: string): Bytes => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** PKCS #8 wrappers of a raw 32-byte private key (RFC 8410 §7). */
const pkcs8 = (kind: 'X25519' | 'Ed25519', seedHex: string): string =>
  bytesToBase64Url(
    hex(
      (kind === 'X25519' ? '302e020100300506032b656e04220420' : '302e020100300506032b657004220420') + seedHex,
    ),
  );

describe('base64url', () => {
  test('matches Node for every length 0..64 and round-trips', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      const text = bytesToBase64Url(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(base64UrlToBytes(text), bytes);
      assert.equal(isBase64UrlOfLength(text, length), true);
    }
  });

  test('encodes the RFC 4648 §10 vectors (unpadded, url alphabet)', () => {
    assert.equal(bytesToBase64Url(utf8ToBytes('foobar')), 'Zm9vYmFy');
    assert.equal(bytesToBase64Url(utf8ToBytes('fo')), 'Zm8');
    assert.equal(bytesToBase64Url(new Uint8Array([0xfb, 0xff])), '-_8');
  });

  test('encodes inputs larger than one chunk', () => {
    const bytes = randomBytes(100_000);
    assert.equal(bytesToBase64Url(bytes), Buffer.from(bytes).toString('base64url'));
  });

  // 'Zm9' and 'Zh' leave set bits in the unused tail of the last character (RFC 4648 §3.5).
  for (const bad of ['ab+c', 'ab/c', 'abc=', 'Q', 'abcde', 'ab c', 'é', 'Zm9', 'Zh']) {
    test(`refuses ${JSON.stringify(bad)} without echoing it`, () => {
      assert.throws(
        () => base64UrlToBytes(bad),
        (error: unknown) => error instanceof EncodingError && !error.message.includes(bad),
      );
    });
  }

  test('utf8 round-trips and refuses invalid sequences', () => {
    assert.equal(bytesToUtf8(utf8ToBytes('Zoë ✓')), 'Zoë ✓');
    assert.throws(() => bytesToUtf8(new Uint8Array([0xc3, 0x28])));
  });
});

describe('randomBytes', () => {
  test('gives the asked length, different each time, beyond the 64 KiB per-call limit', () => {
    assert.equal(randomBytes(70_000).length, 70_000);
    assert.notDeepEqual(randomBytes(32), randomBytes(32));
  });
});

describe('HKDF-SHA256', () => {
  test('RFC 5869 appendix A.1 (test case 1)', async () => {
    const okm = await hkdfSha256(
      hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
      hex('000102030405060708090a0b0c'),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    assert.equal(
      toHex(okm),
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  test('RFC 5869 appendix A.3 (test case 3: empty salt and info)', async () => {
    const okm = await hkdfSha256(
      hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
      new Uint8Array(0),
      '',
      42,
    );
    assert.equal(
      toHex(okm),
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('AES-256-GCM', () => {
  test('decrypts what Node’s own GCM produced (cross-implementation known answer)', async () => {
    const raw = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = utf8ToBytes('header');
    const cipher = createCipheriv('aes-256-gcm', raw, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update('the plaintext', 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const key = await importAesGcmKey(raw);
    const plaintext = await aesGcmDecrypt(key, { nonce, ciphertext: new Uint8Array(body) }, aad);
    assert.equal(bytesToUtf8(plaintext), 'the plaintext');
  });

  test('round-trips with a fresh 96-bit nonce each time', async () => {
    const key = await hkdfAesGcmKey(randomBytes(32), randomBytes(16), 'test');
    const aad = utf8ToBytes('aad');
    const first = await aesGcmEncrypt(key, utf8ToBytes('secret'), aad);
    const second = await aesGcmEncrypt(key, utf8ToBytes('secret'), aad);
    assert.equal(first.nonce.length, 12);
    assert.notDeepEqual(first.nonce, second.nonce);
    assert.equal(bytesToUtf8(await aesGcmDecrypt(key, first, aad)), 'secret');
  });

  test('detects a changed key, nonce, ciphertext, tag or associated data', async () => {
    const salt = randomBytes(16);
    const ikm = randomBytes(32);
    const key = await hkdfAesGcmKey(ikm, salt, 'test');
    const aad = utf8ToBytes('aad');
    const sealed = await aesGcmEncrypt(key, utf8ToBytes('secret'), aad);
    const flip = (bytes: Bytes, index: number): Bytes => {
      const copy = bytes.slice();
      copy[index] = (copy[index] ?? 0) ^ 1;
      return copy;
    };
    const attempts: Array<[string, () => Promise<Bytes>]> = [
      ['key', () => hkdfAesGcmKey(ikm, salt, 'other').then((other) => aesGcmDecrypt(other, sealed, aad))],
      ['nonce', () => aesGcmDecrypt(key, { ...sealed, nonce: flip(sealed.nonce, 0) }, aad)],
      ['short nonce', () => aesGcmDecrypt(key, { ...sealed, nonce: sealed.nonce.slice(1) }, aad)],
      ['ciphertext', () => aesGcmDecrypt(key, { ...sealed, ciphertext: flip(sealed.ciphertext, 0) }, aad)],
      [
        'tag',
        () =>
          aesGcmDecrypt(
            key,
            { ...sealed, ciphertext: flip(sealed.ciphertext, sealed.ciphertext.length - 1) },
            aad,
          ),
      ],
      ['aad', () => aesGcmDecrypt(key, sealed, utf8ToBytes('aae'))],
    ];
    for (const [what, attempt] of attempts) {
      await assert.rejects(attempt(), AeadError, `a changed ${what} must fail`);
    }
  });
});

describe('keys', () => {
  test('Ed25519: RFC 8032 §7.1 test 1 (known key, empty message)', async () => {
    const privateKey = await importPrivateKey(
      'Ed25519',
      pkcs8('Ed25519', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
    );
    const publicKey = await importPublicKey(
      'Ed25519',
      bytesToBase64Url(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')),
    );
    const signature = await sign(privateKey, new Uint8Array(0));
    assert.equal(
      toHex(signature),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    assert.equal(await verifySignature(publicKey, signature, new Uint8Array(0)), true);
  });

  test('X25519: RFC 7748 §6.1 shared secret', async () => {
    const alice = await importPrivateKey(
      'X25519',
      pkcs8('X25519', '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
    );
    const bobPublic = await importPublicKey(
      'X25519',
      bytesToBase64Url(hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')),
    );
    assert.equal(
      toHex(await x25519SharedSecret(alice, bobPublic)),
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    );
  });

  test('Ed25519 export/import round-trip; a changed message or signature fails', async () => {
    const exported = await generateExportedKeyPair('Ed25519');
    assert.equal(base64UrlToBytes(exported.publicKey).length, 32);
    const privateKey = await importPrivateKey('Ed25519', exported.privateKey);
    const publicKey = await importPublicKey('Ed25519', exported.publicKey);
    const message = utf8ToBytes('challenge');
    const signature = await sign(privateKey, message);
    assert.equal(await verifySignature(publicKey, signature, message), true);
    assert.equal(await verifySignature(publicKey, signature, utf8ToBytes('challengf')), false);
    const bent = signature.slice();
    bent[0] = (bent[0] ?? 0) ^ 1;
    assert.equal(await verifySignature(publicKey, bent, message), false);
  });

  test('X25519 export/import round-trip agrees on a shared secret both ways', async () => {
    const alice = await generateKeyPair('X25519');
    const bob = await generateExportedKeyPair('X25519');
    const bobPrivate = await importPrivateKey('X25519', bob.privateKey);
    const fromAlice = await x25519SharedSecret(
      alice.privateKey,
      await importPublicKey('X25519', bob.publicKey),
    );
    const fromBob = await x25519SharedSecret(
      bobPrivate,
      await importPublicKey('X25519', await exportPublicKey(alice.publicKey)),
    );
    assert.deepEqual(fromAlice, fromBob);
    assert.equal(base64UrlToBytes(await exportPrivateKey(alice.privateKey)).length, 48);
  });

  test('imported private keys cannot be read back', async () => {
    const exported = await generateExportedKeyPair('Ed25519');
    const privateKey = await importPrivateKey('Ed25519', exported.privateKey);
    await assert.rejects(exportPrivateKey(privateKey));
  });
});

describe('sha256', () => {
  test('FIPS 180-2 "abc" vector', async () => {
    assert.equal(
      toHex(await sha256(utf8ToBytes('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
