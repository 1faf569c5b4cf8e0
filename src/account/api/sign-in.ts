/** Challenge–response with the session file's Ed25519 key (DESIGN.md, "the token is the key"); sessions die with their key id (P2). */
import { base64UrlToBytes, bytesToBase64Url, EncodingError, utf8ToBytes } from '../../crypto/encoding.ts';
import { importPublicKey, verifySignature } from '../../crypto/keys.ts';
import { randomBytes } from '../../crypto/random.ts';
import { assertProvisioningAllowed, type ProvisioningGate } from '../check-provisioning.ts';
import type { AccountDeps } from '../deps.ts';
import type { ApiSession } from '../model.ts';
import { digestSecretToken, newSecretToken } from '../secret-token.ts';
import {
  API_SESSION_TOKEN_LENGTH,
  API_SESSION_TOKEN_PREFIX,
  API_SESSION_TTL_SECONDS,
  CHALLENGE_TTL_SECONDS,
  type ChallengeResponse,
  type SignInResponse,
  signInMessage,
} from './protocol.ts';

export class ApiAuthError extends Error {
  readonly code: 'api_session_invalid' | 'sign_in_failed';
  constructor(code: ApiAuthError['code'], message: string) {
    super(message);
    this.name = 'ApiAuthError';
    this.code = code;
  }
}

export class ApiRateLimitError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(
      `too many sign-in requests from this address without a sign-in; wait ${retryAfterSeconds} s and retry`,
    );
    this.name = 'ApiRateLimitError';
  }
}

const KEY_ID = /^[\w-]{1,100}$/;

export async function issueChallenge(deps: AccountDeps, keyId: string): Promise<ChallengeResponse> {
  if (!KEY_ID.test(keyId)) throw new ApiAuthError('sign_in_failed', '"keyId" is not a key id');
  // A revoked or made-up key id gets no stored row.
  assertProvisioningAllowed(await deps.store.getIntegration(), keyId);
  const now = deps.clock.now();
  const challenge = {
    id: deps.ids(),
    keyId,
    nonce: bytesToBase64Url(randomBytes(32)),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000).toISOString(),
  };
  // Anyone past the firewall may ask, so expired challenges must not pile up.
  await deps.store.purgeExpiredApiAuth(challenge.createdAt);
  await deps.store.insertApiChallenge(challenge);
  return {
    challengeId: challenge.id,
    nonce: challenge.nonce,
    expiresAt: challenge.expiresAt,
    serverTime: challenge.createdAt,
  };
}

export async function signIn(
  deps: AccountDeps,
  answer: { challengeId: string; keyId: string; signature: string; address: string },
): Promise<SignInResponse> {
  const now = deps.clock.now();
  // Taken whatever happens next: a challenge gets one answer.
  const challenge = await deps.store.takeApiChallenge(answer.challengeId.slice(0, 100));
  if (challenge === undefined) {
    throw new ApiAuthError('sign_in_failed', 'unknown or already used sign-in challenge; ask for a new one');
  }
  if (challenge.expiresAt <= now.toISOString()) {
    throw new ApiAuthError(
      'sign_in_failed',
      `the sign-in challenge expired (answer within ${CHALLENGE_TTL_SECONDS} s; if several account servers share the database, check that their clocks agree)`,
    );
  }
  if (challenge.keyId !== answer.keyId) {
    throw new ApiAuthError('sign_in_failed', 'the challenge was issued for another key id');
  }
  const integration = await deps.store.getIntegration();
  assertProvisioningAllowed(integration, answer.keyId);

  let valid = false;
  try {
    const publicKey = await importPublicKey('Ed25519', integration!.signingPublicKey);
    const message = signInMessage({
      challengeId: challenge.id,
      keyId: challenge.keyId,
      nonce: challenge.nonce,
    });
    valid = await verifySignature(publicKey, base64UrlToBytes(answer.signature), utf8ToBytes(message));
  } catch (error) {
    if (!(error instanceof EncodingError)) throw error;
  }
  if (!valid) {
    throw new ApiAuthError('sign_in_failed', "the signature does not match the integration's signing key");
  }

  const token = newSecretToken(API_SESSION_TOKEN_PREFIX);
  const expiresAt = new Date(now.getTime() + API_SESSION_TTL_SECONDS * 1000).toISOString();
  const session: ApiSession = {
    tokenHash: digestSecretToken(token),
    integrationId: integration!.id,
    keyId: answer.keyId,
    address: answer.address,
    createdAt: now.toISOString(),
    expiresAt,
  };
  await deps.store.insertApiSession(session);
  await deps.store.purgeExpiredApiAuth(now.toISOString());
  return { sessionToken: token, expiresAt, expiresInSeconds: API_SESSION_TTL_SECONDS };
}

const SESSION_CACHE_MS = 1000;

export interface ApiSessionCheck {
  authenticate(authorization: string | undefined): Promise<ApiSession>;
}

/** Rows are cached a second; a session deleted elsewhere is still refused at once by the key-id check. */
export function createApiSessionCheck(
  deps: AccountDeps,
  gate: Pick<ProvisioningGate, 'check'>,
): ApiSessionCheck {
  let cache = new Map<string, { session: ApiSession; until: number }>();
  return {
    async authenticate(authorization) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (
        token === undefined ||
        token.length !== API_SESSION_TOKEN_LENGTH ||
        !token.startsWith(API_SESSION_TOKEN_PREFIX)
      ) {
        throw new ApiAuthError(
          'api_session_invalid',
          'sign in first: send "Authorization: Bearer <API session token>"',
        );
      }
      const hash = digestSecretToken(token);
      const now = deps.clock.now();
      const nowMs = now.getTime();
      let session = cache.get(hash);
      if (session === undefined || nowMs >= session.until) {
        const row = await deps.store.getApiSession(hash);
        if (row === undefined) {
          cache.delete(hash);
          throw new ApiAuthError(
            'api_session_invalid',
            'the API session ended or never existed; sign in again',
          );
        }
        if (cache.size >= 256) cache = new Map();
        session = { session: row, until: nowMs + SESSION_CACHE_MS };
        cache.set(hash, session);
      }
      if (session.session.expiresAt <= now.toISOString()) {
        throw new ApiAuthError('api_session_invalid', 'the API session expired; sign in again');
      }
      // Provisioning off (P3) or credentials regenerated (P2): the session is dead.
      await gate.check(session.session.keyId);
      return session.session;
    },
  };
}
