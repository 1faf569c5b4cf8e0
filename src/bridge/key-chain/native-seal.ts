/** The `sbs1` seal format computed with node:crypto: WebCrypto costs about 4× the CPU per seal; tests open its output with the browser-safe code so they cannot drift. */
import {
  createCipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { base64UrlToBytes } from '../../crypto/encoding.ts';
import {
  contextAad,
  GROUP_PRIVATE_KEY_BYTES,
  PROVISIONING_RECIPIENT,
  SEAL_FORMAT,
  SEAL_KDF_INFO,
  type SealContext,
  SealFormatError,
} from '../../crypto/key-chain.ts';

const X25519_PUBLIC_BYTES = 32;

/** One ephemeral key pair and derived AES key per recipient, then any number of values (own nonce each): one X25519 agreement instead of one per group. */
export interface NativeSealer {
  seal(plaintext: Uint8Array, context: SealContext): string;
  /** Wipes the derived key. */
  close(): void;
}

export function sealerFor(recipientPublicKey: string): NativeSealer {
  let recipientBytes: Uint8Array;
  try {
    recipientBytes = base64UrlToBytes(recipientPublicKey);
  } catch {
    throw new SealFormatError('the recipient key is not base64url');
  }
  if (recipientBytes.length !== X25519_PUBLIC_BYTES) {
    throw new SealFormatError('the recipient key is not an X25519 public key');
  }
  const recipient = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: recipientPublicKey },
    format: 'jwk',
  });
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPublic = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  } catch {
    throw new SealFormatError('the recipient key is not a usable X25519 public key');
  }
  const key = Buffer.from(
    hkdfSync('sha256', shared, Buffer.concat([ephemeralPublic, recipientBytes]), SEAL_KDF_INFO, 32),
  );
  shared.fill(0);
  const ephemeralText = ephemeralPublic.toString('base64url');
  return {
    seal(plaintext, context) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(contextAad(context, recipientPublicKey));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return [SEAL_FORMAT, ephemeralText, nonce.toString('base64url'), ciphertext.toString('base64url')].join(
        '.',
      );
    },
    close() {
      key.fill(0);
    },
  };
}

export function sealNative(plaintext: Uint8Array, recipientPublicKey: string, context: SealContext): string {
  const sealer = sealerFor(recipientPublicKey);
  try {
    return sealer.seal(plaintext, context);
  } finally {
    sealer.close();
  }
}

/** A group's private key (PKCS #8) sealed for a member or for the provisioning key. */
export function sealGroupPrivateKeyNative(
  groupId: string,
  privateKey: Uint8Array,
  recipient: { id: string; publicKey: string },
  /** A sealer made for `recipient.publicKey`, when several keys go to the same recipient. */
  sealer?: NativeSealer,
): string {
  if (privateKey.length !== GROUP_PRIVATE_KEY_BYTES) throw new SealFormatError('not an X25519 private key');
  const context = { purpose: 'group-private-key' as const, objectId: groupId, recipientId: recipient.id };
  return sealer ? sealer.seal(privateKey, context) : sealNative(privateKey, recipient.publicKey, context);
}

export { PROVISIONING_RECIPIENT };
