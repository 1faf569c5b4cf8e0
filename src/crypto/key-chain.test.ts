import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aesGcmDecrypt, aesGcmEncrypt } from './aead.ts';
import { bytesToBase64Url, utf8ToBytes } from './encoding.ts';
import {
  createGroupKeyPair,
  createVaultKey,
  importGroupPrivateKey,
  importVaultKey,
  openGroupPrivateKey,
  openSealed,
  openVaultKey,
  PROVISIONING_RECIPIENT,
  type SealContext,
  SealFormatError,
  SealOpenError,
  sealGroupPrivateKey,
  sealToPublicKey,
  sealVaultKey,
} from './key-chain.ts';
import { generateExportedKeyPair, importPrivateKey } from './keys.ts';

async function recipient() {
  const pair = await generateExportedKeyPair('X25519');
  return { publicKey: pair.publicKey, privateKey: await importPrivateKey('X25519', pair.privateKey) };
}

const CONTEXT: SealContext = { purpose: 'group-private-key', objectId: 'group-1', recipientId: 'member-1' };

/** Replaces one character of field `index` (1-based after the format tag) with another valid one. */
function bend(sealed: string, index: number, at = 0): string {
  const parts = sealed.split('.');
  const field = parts[index]!;
  const swapped = field[at] === 'A' ? 'B' : 'A';
  parts[index] = field.slice(0, at) + swapped + field.slice(at + 1);
  return parts.join('.');
}

describe('sealing to an X25519 public key', () => {
  test('the recipient opens what was sealed for them', async () => {
    const alice = await recipient();
    const sealed = await sealToPublicKey(utf8ToBytes('group key bytes'), alice.publicKey, CONTEXT);
    assert.match(sealed, /^sbs1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const opened = await openSealed(sealed, alice.privateKey, alice.publicKey, CONTEXT);
    assert.equal(new TextDecoder().decode(opened), 'group key bytes');
  });

  test('sealing the same bytes twice gives different values (fresh ephemeral key and nonce)', async () => {
    const alice = await recipient();
    const bytes = utf8ToBytes('same');
    const first = await sealToPublicKey(bytes, alice.publicKey, CONTEXT);
    const second = await sealToPublicKey(bytes, alice.publicKey, CONTEXT);
    assert.notEqual(first, second);
  });

  // Each row: what is changed, and how opening is attempted.
  const refusals: Array<{
    name: string;
    error: typeof SealOpenError | typeof SealFormatError;
    attempt: (ctx: {
      sealed: string;
      alice: Awaited<ReturnType<typeof recipient>>;
      bob: Awaited<ReturnType<typeof recipient>>;
    }) => Promise<unknown>;
  }> = [
    {
      name: 'another private key',
      error: SealOpenError,
      attempt: ({ sealed, alice, bob }) => openSealed(sealed, bob.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: "another recipient's public key",
      error: SealOpenError,
      attempt: ({ sealed, alice, bob }) => openSealed(sealed, alice.privateKey, bob.publicKey, CONTEXT),
    },
    {
      name: 'moved to another member',
      error: SealOpenError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed, alice.privateKey, alice.publicKey, { ...CONTEXT, recipientId: 'member-2' }),
    },
    {
      name: 'moved to another group',
      error: SealOpenError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed, alice.privateKey, alice.publicKey, { ...CONTEXT, objectId: 'group-2' }),
    },
    {
      name: 'read as another purpose',
      error: SealOpenError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed, alice.privateKey, alice.publicKey, { ...CONTEXT, purpose: 'vault-key' }),
    },
    {
      name: 'a changed ephemeral key',
      error: SealOpenError,
      attempt: ({ sealed, alice }) => openSealed(bend(sealed, 1), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a changed nonce',
      error: SealOpenError,
      attempt: ({ sealed, alice }) => openSealed(bend(sealed, 2), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a changed ciphertext',
      error: SealOpenError,
      attempt: ({ sealed, alice }) => openSealed(bend(sealed, 3), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a changed tag',
      error: SealOpenError,
      attempt: ({ sealed, alice }) =>
        openSealed(
          bend(sealed, 3, sealed.split('.')[3]!.length - 3),
          alice.privateKey,
          alice.publicKey,
          CONTEXT,
        ),
    },
    {
      name: 'an empty string',
      error: SealFormatError,
      attempt: ({ alice }) => openSealed('', alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'an unknown format tag',
      error: SealFormatError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed.replace(/^sbs1/, 'sbs9'), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a missing field',
      error: SealFormatError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed.split('.').slice(0, 3).join('.'), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a field that is not base64url',
      error: SealFormatError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed.replace(/\.[^.]+$/, '.!!!!'), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a short ephemeral key',
      error: SealFormatError,
      attempt: ({ sealed, alice }) => {
        const parts = sealed.split('.');
        parts[1] = parts[1]!.slice(0, 40);
        return openSealed(parts.join('.'), alice.privateKey, alice.publicKey, CONTEXT);
      },
    },
    {
      name: 'a short nonce',
      error: SealFormatError,
      attempt: ({ sealed, alice }) => {
        const parts = sealed.split('.');
        parts[2] = 'AAAA';
        return openSealed(parts.join('.'), alice.privateKey, alice.publicKey, CONTEXT);
      },
    },
    {
      name: 'a ciphertext shorter than a tag',
      error: SealFormatError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed.replace(/\.[^.]+$/, '.AAAA'), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'an oversized value',
      error: SealFormatError,
      attempt: ({ sealed, alice }) =>
        openSealed(sealed + 'A'.repeat(5000), alice.privateKey, alice.publicKey, CONTEXT),
    },
    {
      name: 'a recipient public key that is not a key',
      error: SealFormatError,
      attempt: ({ sealed, alice }) => openSealed(sealed, alice.privateKey, 'AAAA', CONTEXT),
    },
  ];
  for (const row of refusals) {
    test(`refuses ${row.name}`, async () => {
      const alice = await recipient();
      const bob = await recipient();
      const sealed = await sealToPublicKey(utf8ToBytes('secret'), alice.publicKey, CONTEXT);
      await assert.rejects(row.attempt({ sealed, alice, bob }), (error: unknown) => {
        assert.ok(error instanceof row.error, `expected ${row.error.name}, got ${String(error)}`);
        assert.ok(!(error as Error).message.includes(sealed.split('.')[3]!));
        return true;
      });
    });
  }

  test('sealing to something that is not a public key is refused', async () => {
    await assert.rejects(sealToPublicKey(utf8ToBytes('x'), 'not a key', CONTEXT), SealFormatError);
    await assert.rejects(sealToPublicKey(utf8ToBytes('x'), 'AAAA', CONTEXT), SealFormatError);
    // The all-zero point has small order: no shared secret comes out of it (RFC 7748 §6.1).
    await assert.rejects(
      sealToPublicKey(utf8ToBytes('x'), bytesToBase64Url(new Uint8Array(32)), CONTEXT),
      SealFormatError,
    );
  });
});

describe('the chain: group keys and vault keys', () => {
  test('member → group private key → vault key → vault data', async () => {
    const member = await recipient();
    const provisioning = await recipient();
    const group = await createGroupKeyPair();
    const forMember = await sealGroupPrivateKey('g1', group.privateKey, { id: 'm1', ...member });
    const forBridge = await sealGroupPrivateKey('g1', group.privateKey, {
      id: PROVISIONING_RECIPIENT,
      publicKey: provisioning.publicKey,
    });
    const vaultKey = createVaultKey();
    const grant = await sealVaultKey('v1', vaultKey, { id: 'g1', publicKey: group.publicKey });
    const data = await aesGcmEncrypt(
      await importVaultKey(vaultKey),
      utf8ToBytes('the vault'),
      utf8ToBytes('v1'),
    );

    // The bridge re-seals the group key it opened with the provisioning key: same key.
    const bridgeCopy = await openGroupPrivateKey('g1', forBridge, provisioning.privateKey, {
      id: PROVISIONING_RECIPIENT,
      publicKey: provisioning.publicKey,
    });
    assert.deepEqual(bridgeCopy, group.privateKey);

    const groupKey = await importGroupPrivateKey(
      await openGroupPrivateKey('g1', forMember, member.privateKey, { id: 'm1', ...member }),
    );
    const opened = await openVaultKey('v1', grant, groupKey, { id: 'g1', publicKey: group.publicKey });
    const plaintext = await aesGcmDecrypt(await importVaultKey(opened), data, utf8ToBytes('v1'));
    assert.equal(new TextDecoder().decode(plaintext), 'the vault');
  });

  test('a vault grant moved to another vault or another group does not open', async () => {
    const group = await createGroupKeyPair();
    const groupKey = await importGroupPrivateKey(group.privateKey);
    const grant = await sealVaultKey('v1', createVaultKey(), { id: 'g1', publicKey: group.publicKey });
    await assert.rejects(
      openVaultKey('v2', grant, groupKey, { id: 'g1', publicKey: group.publicKey }),
      SealOpenError,
    );
    await assert.rejects(
      openVaultKey('v1', grant, groupKey, { id: 'g2', publicKey: group.publicKey }),
      SealOpenError,
    );
  });

  test('a group key share is not a vault grant, and the reverse', async () => {
    const member = await recipient();
    const group = await createGroupKeyPair();
    const share = await sealGroupPrivateKey('x', group.privateKey, { id: 'y', ...member });
    await assert.rejects(
      openVaultKey('x', share, member.privateKey, { id: 'y', publicKey: member.publicKey }),
      SealOpenError,
    );
  });

  test('wrong-sized keys are refused before sealing', async () => {
    const member = await recipient();
    await assert.rejects(
      sealGroupPrivateKey('g', new Uint8Array(32), { id: 'm', publicKey: member.publicKey }),
      SealFormatError,
    );
    await assert.rejects(sealVaultKey('v', new Uint8Array(16), { id: 'g', ...member }), SealFormatError);
    await assert.rejects(importGroupPrivateKey(new Uint8Array(48)), SealFormatError);
  });

  test('an opened group key cannot be read back out of WebCrypto', async () => {
    const group = await createGroupKeyPair();
    const key = await importGroupPrivateKey(group.privateKey);
    assert.equal(key.extractable, false);
  });
});
