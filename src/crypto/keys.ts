/**
 * X25519 (key agreement) and Ed25519 (signatures) keys on WebCrypto. Public keys travel as
 * base64url of the raw 32 bytes (RFC 7748 §5, RFC 8032 §5.1.5); private keys as base64url
 * of PKCS #8, the one private format WebCrypto exports for both curves.
 */
import { type Bytes, base64UrlToBytes, bytesToBase64Url } from './encoding.ts';

const subtle = globalThis.crypto.subtle;

export type KeyKind = 'X25519' | 'Ed25519';

const PRIVATE_USAGES: Record<KeyKind, KeyUsage[]> = { X25519: ['deriveBits'], Ed25519: ['sign'] };
const PUBLIC_USAGES: Record<KeyKind, KeyUsage[]> = { X25519: [], Ed25519: ['verify'] };

export interface ExportedKeyPair {
  /** base64url, raw 32 bytes. */
  publicKey: string;
  /** base64url, PKCS #8. */
  privateKey: string;
}

export async function generateKeyPair(kind: KeyKind): Promise<CryptoKeyPair> {
  const usages: KeyUsage[] = [...PRIVATE_USAGES[kind], ...PUBLIC_USAGES[kind]];
  return (await subtle.generateKey({ name: kind }, true, usages)) as CryptoKeyPair;
}

export async function exportPublicKey(key: CryptoKey): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await subtle.exportKey('raw', key)));
}

export async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await subtle.exportKey('pkcs8', key)));
}

/** A fresh key pair, exported: what goes into a session file and onto the account. */
export async function generateExportedKeyPair(kind: KeyKind): Promise<ExportedKeyPair> {
  const pair = await generateKeyPair(kind);
  const [publicKey, privateKey] = await Promise.all([
    exportPublicKey(pair.publicKey),
    exportPrivateKey(pair.privateKey),
  ]);
  return { publicKey, privateKey };
}

export function importPublicKey(kind: KeyKind, base64url: string): Promise<CryptoKey> {
  return subtle.importKey('raw', base64UrlToBytes(base64url), { name: kind }, true, PUBLIC_USAGES[kind]);
}

/** Imported private keys are not extractable: once loaded they can be used, never read back. */
export function importPrivateKey(kind: KeyKind, base64url: string): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', base64UrlToBytes(base64url), { name: kind }, false, PRIVATE_USAGES[kind]);
}

export async function sign(privateKey: CryptoKey, data: Bytes): Promise<Bytes> {
  return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, privateKey, data));
}

export function verifySignature(publicKey: CryptoKey, signature: Bytes, data: Bytes): Promise<boolean> {
  return subtle.verify({ name: 'Ed25519' }, publicKey, signature, data);
}

/** The X25519 shared secret (RFC 7748 §6.1); feed it to HKDF, never use it as a key directly. */
export async function x25519SharedSecret(privateKey: CryptoKey, publicKey: CryptoKey): Promise<Bytes> {
  return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256));
}
