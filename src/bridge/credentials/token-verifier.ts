/** Bearer-token check: a token is right when it opens the session file; after that, a constant-time SHA-256 compare avoids the KDF per request. The token never reaches a result, error or log. */
import { createPrivateKey, createPublicKey, hash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { openSession, type SessionFile, type SessionHeader } from '../../crypto/credentials/session-file.ts';
import { parseToken, TOKEN_LENGTH } from '../../crypto/credentials/token.ts';
import { importPrivateKey } from '../../crypto/keys.ts';
import { resolveSessionSource, SESSION_B64_ENV, SessionFileError } from './load-session.ts';
import { createSessionFileProvider, type SessionFileProvider } from './session-provider.ts';

export interface UnlockedSession {
  readonly accountUrl: string;
  readonly integrationId: string;
  readonly keyId: string;
  /** base64url public half of the provisioning key: what the bridge seals group keys to. */
  readonly provisioningPublicKey: string;
  readonly keys: {
    /** Ed25519, not extractable. */
    readonly signingPrivateKey: CryptoKey;
    /** X25519, not extractable. */
    readonly provisioningPrivateKey: CryptoKey;
  };
}

export type TokenCheckFailure =
  /** No Authorization header (RFC 6750 §3.1: answer 401 without an error code). */
  | 'missing'
  /** Not `Bearer <token>`, or the token does not have our token's shape. */
  | 'malformed'
  /** Well-formed, but it does not open the session file. */
  | 'wrong_token'
  /** There is no readable session file to check against: see `sessionProblem`. */
  | 'session_unavailable';

export type TokenCheck = ({ ok: true } & UnlockedSession) | { ok: false; reason: TokenCheckFailure };

interface Unlocked {
  file: SessionFile;
  tokenDigest: Buffer;
  result: { ok: true } & UnlockedSession;
}

/** RFC 7235 §2.1: auth-scheme, one or more spaces, credentials. Schemes are case-insensitive. */
const AUTHORIZATION = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s+(\S+)\s*$/;

const digest = (text: string): Buffer => hash('sha256', text, 'buffer');

export class TokenVerifier {
  private readonly sessions: SessionFileProvider;
  private unlocked: Unlocked | undefined;
  private readonly unlockListeners = new Set<(session: UnlockedSession) => void>();
  private lastSessionProblem: string | undefined;

  constructor(sessions: SessionFileProvider) {
    this.sessions = sessions;
  }

  verify(authorizationHeader: string | undefined): Promise<TokenCheck> {
    if (authorizationHeader === undefined || authorizationHeader.trim() === '') {
      return Promise.resolve({ ok: false, reason: 'missing' });
    }
    const match = AUTHORIZATION.exec(authorizationHeader);
    if (!match || match[1]!.toLowerCase() !== 'bearer') {
      return Promise.resolve({ ok: false, reason: 'malformed' });
    }
    return this.verifyToken(match[2]!);
  }

  /**
   * The session when the header carries the token that opened the current session file, at
   * once and without a promise: the check of every SCIM request after the first. Anything
   * else (no header, another token, nothing unlocked yet) is undefined: ask `verify`.
   */
  known(authorizationHeader: string | undefined): UnlockedSession | undefined {
    const unlocked = this.unlocked;
    if (unlocked === undefined || authorizationHeader === undefined) return undefined;
    const match = AUTHORIZATION.exec(authorizationHeader);
    if (!match || match[1]!.toLowerCase() !== 'bearer' || match[2]!.length !== TOKEN_LENGTH) return undefined;
    // The same constant-time digest compare as `verifyToken`.
    return timingSafeEqual(digest(match[2]!), unlocked.tokenDigest) ? unlocked.result : undefined;
  }

  /** Checks a bare token (the status page's sign-in form; an operator's boot-time token). */
  async verifyToken(token: string): Promise<TokenCheck> {
    if (token.length !== TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
    const tokenDigest = digest(token);
    const known = this.unlocked;
    if (known && timingSafeEqual(tokenDigest, known.tokenDigest)) return known.result;

    const parsed = parseToken(token);
    if (!parsed.ok) return { ok: false, reason: 'malformed' };

    let file: SessionFile;
    try {
      file = await this.sessions.current();
    } catch (error) {
      if (!(error instanceof SessionFileError)) throw error;
      this.lastSessionProblem = error.message;
      return { ok: false, reason: 'session_unavailable' };
    }
    // A file that a known token already opened opens with no other token: skip the KDF.
    if (known?.file !== file) {
      const opened = await this.tryOpen(file, parsed.token.bytes, tokenDigest);
      if (opened) return opened;
    }
    // Perhaps the credentials were regenerated and a new session file put in place.
    if (await this.sessions.refresh()) {
      const opened = await this.tryOpen(await this.sessions.current(), parsed.token.bytes, tokenDigest);
      if (opened) return opened;
    }
    return { ok: false, reason: 'wrong_token' };
  }

  /** Where the session file comes from; safe to log. */
  get sessionSource(): string {
    return this.sessions.sourceDescription;
  }

  /** The session the last good token opened; undefined until then (P11). */
  get session(): UnlockedSession | undefined {
    return this.unlocked?.result;
  }

  /** Why the session file could not be read the last time it was needed (safe to show). */
  get sessionProblem(): string | undefined {
    return this.lastSessionProblem;
  }

  /** The session file's clear header, read without a token so /health can check credentials before the first IdP request. */
  async sessionHeader(): Promise<SessionHeader | undefined> {
    try {
      await this.sessions.refresh();
      const file = await this.sessions.current();
      this.lastSessionProblem = undefined;
      // A copy of the header only: the blob never leaves the verifier.
      const { version, accountUrl, integrationId, keyId, createdAt } = file;
      return { version, accountUrl, integrationId, keyId, createdAt };
    } catch (error) {
      if (!(error instanceof SessionFileError)) throw error;
      this.lastSessionProblem = error.message;
      return undefined;
    }
  }

  /** What is wrong with the on-disk file while the bridge runs on an older one (issue 12: /health must not call it valid). Call after `sessionHeader()`. */
  async diskProblem(): Promise<string | undefined> {
    const stale = this.sessions.staleBecause?.();
    if (stale !== undefined) return stale.message;
    const known = this.unlocked;
    if (known === undefined) return undefined;
    let onDisk: SessionFile;
    try {
      onDisk = await this.sessions.current();
    } catch {
      return undefined;
    }
    const same =
      onDisk.blob === known.file.blob && onDisk.salt === known.file.salt && onDisk.nonce === known.file.nonce;
    if (!same && onDisk.keyId === known.file.keyId) {
      return `the session file from ${this.sessions.sourceDescription} changed on disk but keeps key id ${onDisk.keyId}: it is not the file the bearer token opened (damaged or edited), and the bridge would not start with it`;
    }
    return undefined;
  }

  /** Called whenever a token opens a session file other than the current one (start the watcher here). */
  onUnlock(listener: (session: UnlockedSession) => void): () => void {
    this.unlockListeners.add(listener);
    return () => this.unlockListeners.delete(listener);
  }

  private async tryOpen(
    file: SessionFile,
    tokenBytes: Uint8Array<ArrayBuffer>,
    tokenDigest: Buffer,
  ): Promise<TokenCheck | undefined> {
    const secrets = await openSession(file, tokenBytes);
    if (!secrets) return undefined;
    const [signingPrivateKey, provisioningPrivateKey] = await Promise.all([
      importPrivateKey('Ed25519', secrets.signingPrivateKey),
      importPrivateKey('X25519', secrets.provisioningPrivateKey),
    ]);
    // WebCrypto cannot derive a public key from a non-extractable private one; node:crypto can.
    const provisioningPublicKey = createPublicKey(
      createPrivateKey({
        key: Buffer.from(secrets.provisioningPrivateKey, 'base64url'),
        format: 'der',
        type: 'pkcs8',
      }),
    ).export({ format: 'jwk' }).x as string;
    const result = Object.freeze({
      ok: true as const,
      accountUrl: file.accountUrl,
      integrationId: file.integrationId,
      keyId: file.keyId,
      provisioningPublicKey,
      keys: Object.freeze({ signingPrivateKey, provisioningPrivateKey }),
    });
    const changed = this.unlocked?.file !== file;
    this.unlocked = { file, tokenDigest, result };
    this.lastSessionProblem = undefined;
    if (changed) for (const listener of this.unlockListeners) listener(result);
    return result;
  }
}

export interface TokenVerifierOptions {
  /** `--session` / `SCIMBRIDGE_SESSION`: an explicit path wins over everything else. */
  sessionPath?: string | undefined;
  sessionBase64?: string | undefined;
  /** Mounted-secret directories to look in for `scimsession`; default `DEFAULT_SECRETS_DIRS`. */
  secretsDirs?: readonly string[];
  /** Used when nothing else applies, even before the file exists: `<dataDir>/scimsession`. */
  defaultPath?: string | undefined;
  clock?: Clock;
}

/** A verifier over the session source that `resolveSessionSource` picks from these options. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const source = resolveSessionSource({
    sessionPath: options.sessionPath,
    env: { [SESSION_B64_ENV]: options.sessionBase64 },
    ...(options.secretsDirs ? { secretsDirs: options.secretsDirs } : {}),
    defaultPath: options.defaultPath,
  });
  if (source === undefined) return new TokenVerifier(unconfiguredProvider);
  return new TokenVerifier(createSessionFileProvider(source, options.clock ? { clock: options.clock } : {}));
}

const NO_SOURCE = 'no session source';
const unconfiguredProvider: SessionFileProvider = {
  sourceDescription: NO_SOURCE,
  current: () =>
    Promise.reject(
      new SessionFileError(
        'unreadable',
        NO_SOURCE,
        'give the bridge its session file with --session <path>, SCIMBRIDGE_SESSION or SCIMBRIDGE_SESSION_B64',
      ),
    ),
  refresh: async () => false,
};
