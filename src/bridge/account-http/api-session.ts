/** The API session: Ed25519 challenge–response sign-in; the short-lived token stays in memory and is renewed early, when ended, or on a new session file. */
import type { Logger } from 'pino';
import {
  apiErrorCodeOf,
  type ChallengeResponse,
  type SignInResponse,
  signInMessage,
} from '../../account/api/protocol.ts';
import { API_ROUTES } from '../../account/api/route-table.ts';
import { AccountError } from '../../account/errors.ts';
import { bytesToBase64Url, utf8ToBytes } from '../../crypto/encoding.ts';
import { sign } from '../../crypto/keys.ts';
import type { UnlockedSession } from '../credentials/token-verifier.ts';
import type { Connection } from './connection.ts';
import type { SendWithRetry } from './retrying-sender.ts';
import type { TimeSource } from './time.ts';
import type { Reply } from './transport.ts';

export interface ApiSessionState {
  token: string;
  keyId: string;
  baseUrl: string;
  /** Local monotonic deadline (ms): renew before the server's expiry. */
  renewAt: number;
}

/** A call the account accepted within this long answers `checkProvisioning` itself. */
const CONFIRMATION_MS = 1000;

const REVOKED_MESSAGE =
  'these provisioning credentials were revoked (regenerated or deactivated); give the bridge the new session file and the identity provider the new bearer token';

export interface ApiSession {
  token(): string | undefined;
  /** One exchange under the API session: signs in if needed, and once more if the session ended. */
  exchange(
    method: string,
    path: string,
    body: unknown,
    idempotent: boolean,
  ): Promise<{ reply: Reply; state: ApiSessionState }>;
  /** The account accepted a call under `state`. */
  accepted(state: ApiSessionState): void;
  /** Whether the account accepted a call under `keyId` within the last second. */
  confirmed(keyId: string): boolean;
  /** The account refused the credentials: sign in again next time. */
  forget(): void;
  forgetConfirmed(): void;
  /** The error for a call the account refused under `keyId`; a key it calls revoked is never signed in with again. */
  refused(keyId: string, reply: Reply, baseUrl: string): Error;
}

export interface ApiSessionOptions {
  session: () => UnlockedSession | undefined;
  baseUrlOf: (session: UnlockedSession) => string;
  send: SendWithRetry;
  connection: () => Connection;
  logger: Logger;
  time: TimeSource;
  /** Warn when the account's clock differs by more than this. */
  skewLimitMs: number;
}

export function createApiSession(options: ApiSessionOptions): ApiSession {
  const { send, logger, time, baseUrlOf } = options;
  let apiSession: ApiSessionState | undefined;
  /** When the account last accepted a call under the current key: it checks provisioning on every call, so one within a second answers `checkProvisioning` (as the in-process gate's cache). */
  let lastAccepted: { keyId: string; at: number } | undefined;
  let signingIn: Promise<ApiSessionState> | undefined;
  /** Key ids the account refused as revoked, with what it said: a replaced key id never becomes the integration's again (a restored database backup aside), and each sign-in counts against the account's 30 a minute per address. */
  const revoked = new Map<string, string>();
  /** As many as the key check remembers (credentials/current-key.ts): more than a bridge sees in its life. */
  const MAX_REVOKED = 256;

  function refused(keyId: string, reply: Reply, baseUrl: string): Error {
    const failure = options.connection().failure(reply, baseUrl);
    if (!(failure instanceof AccountError) || failure.code !== 'credentials_revoked' || revoked.has(keyId))
      return failure;
    const said = (reply.body as { message?: unknown }).message;
    if (revoked.size >= MAX_REVOKED) revoked.delete(revoked.keys().next().value!);
    revoked.set(keyId, typeof said === 'string' ? said : REVOKED_MESSAGE);
    logger.error(
      { event: 'account.key_revoked', keyId },
      `the account revoked the bridge's key ${keyId}; the bridge will not sign in with it again: give the bridge the session file of the current credentials (and the identity provider its bearer token), or restart the bridge if the account was restored from a backup that still holds this key`,
    );
    return failure;
  }

  function warnOfSkew(serverTime: string): void {
    const skew = Math.abs(Date.parse(serverTime) - time.wallNow());
    if (skew <= options.skewLimitMs) return;
    logger.warn(
      { event: 'account.clock_skew', skewSeconds: Math.round(skew / 1000), serverTime },
      `clock skew: this machine's clock differs from the account server's by ${Math.round(skew / 1000)} s; synchronise both clocks (NTP)`,
    );
  }

  async function attempt(session: UnlockedSession): Promise<ApiSessionState> {
    const baseUrl = baseUrlOf(session);
    const { keyId } = session;
    const challenge = API_ROUTES.signInChallenge;
    const challengeReply = await send(baseUrl, challenge.method, challenge.path, { keyId }, true);
    if (challengeReply.status !== 200) throw refused(keyId, challengeReply, baseUrl);
    const { challengeId, nonce, serverTime } = challengeReply.body as ChallengeResponse;
    warnOfSkew(serverTime);
    const signature = await sign(
      session.keys.signingPrivateKey,
      utf8ToBytes(signInMessage({ challengeId, keyId, nonce })),
    );
    // Not retried on a lost answer: the challenge is single-use, so the retry is a new sign-in.
    const signInReply = await send(
      baseUrl,
      API_ROUTES.signIn.method,
      API_ROUTES.signIn.path,
      { challengeId, keyId, signature: bytesToBase64Url(signature) },
      false,
    );
    if (signInReply.status !== 200) throw refused(keyId, signInReply, baseUrl);
    const result = signInReply.body as SignInResponse;
    // Renew a minute early (or at half-life for short sessions), by the local monotonic clock.
    const lifetimeMs = result.expiresInSeconds * 1000;
    const renewAt = time.monotonicNow() + Math.max(lifetimeMs / 2, lifetimeMs - 60_000);
    return { token: result.sessionToken, keyId, baseUrl, renewAt };
  }

  function signIn(session: UnlockedSession): Promise<ApiSessionState> {
    signingIn ??= attempt(session).finally(() => {
      signingIn = undefined;
    });
    return signingIn;
  }

  async function current(): Promise<ApiSessionState> {
    const session = options.session();
    if (session === undefined) {
      throw new AccountError(
        'account_unreachable',
        'the bridge has not opened its session file yet (no valid bearer token has arrived)',
      );
    }
    const known = apiSession;
    if (
      known &&
      known.keyId === session.keyId &&
      known.baseUrl === baseUrlOf(session) &&
      time.monotonicNow() < known.renewAt
    ) {
      return known;
    }
    const refused = revoked.get(session.keyId);
    if (refused !== undefined) throw new AccountError('credentials_revoked', refused);
    apiSession = await signIn(session);
    return apiSession;
  }

  return {
    token: () => apiSession?.token,
    async exchange(method, path, body, idempotent) {
      let state = await current();
      let reply = await send(state.baseUrl, method, path, body, idempotent, state.token);
      if (reply.status === 401 && apiErrorCodeOf(reply.body) === 'api_session_invalid') {
        // Expired or ended: sign in once more; the refused request did nothing, so resending is safe even for writes.
        if (apiSession === state) apiSession = undefined;
        state = await current();
        reply = await send(state.baseUrl, method, path, body, idempotent, state.token);
      }
      return { reply, state };
    },
    accepted(state) {
      lastAccepted = { keyId: state.keyId, at: time.monotonicNow() };
    },
    confirmed: (keyId) =>
      lastAccepted?.keyId === keyId &&
      apiSession?.keyId === keyId &&
      time.monotonicNow() - lastAccepted.at < CONFIRMATION_MS,
    forget() {
      apiSession = undefined;
      lastAccepted = undefined;
    },
    forgetConfirmed() {
      lastAccepted = undefined;
    },
    refused,
  };
}
