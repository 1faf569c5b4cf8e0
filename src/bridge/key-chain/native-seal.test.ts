import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToBase64Url } from '../../crypto/encoding.ts';
import {
  createGroupKeyPair,
  openGroupPrivateKey,
  SealFormatError,
  SealOpenError,
} from '../../crypto/key-chain.ts';
import { generateExportedKeyPair, importPrivateKey } from '../../crypto/keys.ts';
import { sealerFor, sealGroupPrivateKeyNative } from './native-seal.ts';

describe('native sealer', () => {
  test('what node:crypto seals, the browser-safe code opens; context still binds', async () => {
    const member = await generateExportedKeyPair('X25519');
    const memberKey = await importPrivateKey('X25519', member.privateKey);
    const group = await createGroupKeyPair();
    const sealed = sealGroupPrivateKeyNative('g1', group.privateKey, {
      id: 'm1',
      publicKey: member.publicKey,
    });
    assert.match(sealed, /^sbs1\./);
    const opened = await openGroupPrivateKey('g1', sealed, memberKey, {
      id: 'm1',
      publicKey: member.publicKey,
    });
    assert.deepEqual(opened, group.privateKey);
    await assert.rejects(
      openGroupPrivateKey('g1', sealed, memberKey, { id: 'm2', publicKey: member.publicKey }),
      SealOpenError,
    );
  });

  test('one sealer, several group keys for one member: each value opens on its own, bound to its group', async () => {
    const member = await generateExportedKeyPair('X25519');
    const memberKey = await importPrivateKey('X25519', member.privateKey);
    const [first, second] = [await createGroupKeyPair(), await createGroupKeyPair()];
    const sealer = sealerFor(member.publicKey);
    const recipient = { id: 'm1', publicKey: member.publicKey };
    const a = sealGroupPrivateKeyNative('g1', first.privateKey, recipient, sealer);
    const b = sealGroupPrivateKeyNative('g2', second.privateKey, recipient, sealer);
    sealer.close();
    assert.notEqual(a.split('.')[2], b.split('.')[2], 'a fresh nonce each');
    assert.deepEqual(await openGroupPrivateKey('g1', a, memberKey, recipient), first.privateKey);
    assert.deepEqual(await openGroupPrivateKey('g2', b, memberKey, recipient), second.privateKey);
    await assert.rejects(openGroupPrivateKey('g2', a, memberKey, recipient), SealOpenError);
  });

  test('refuses keys that are not keys', async () => {
    const group = await createGroupKeyPair();
    assert.throws(
      () => sealGroupPrivateKeyNative('g', group.privateKey, { id: 'm', publicKey: 'AAAA' }),
      SealFormatError,
    );
    assert.throws(
      () =>
        sealGroupPrivateKeyNative('g', group.privateKey, {
          id: 'm',
          publicKey: bytesToBase64Url(new Uint8Array(32)),
        }),
      SealFormatError,
    );
    assert.throws(
      () => sealGroupPrivateKeyNative('g', new Uint8Array(10), { id: 'm', publicKey: 'AAAA' }),
      SealFormatError,
    );
  });
});
