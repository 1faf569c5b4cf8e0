/**
 * The account API's wire contract (docs/api/openapi.json), shared by the server
 * (`routes.ts`) and the bridge's HTTP client: the sign-in message, error codes and
 * their HTTP statuses. Plain data and functions only, so the bridge may import it.
 */
import type { AccountErrorCode } from '../errors.ts';

export const API_PREFIX = '/api/v1';

/**
 * The API channel (`GET /api/v1/channel`, a WebSocket): batches as `POST /batch` takes them,
 * over one open connection. At most this many messages may be under way on one channel.
 */
export const CHANNEL_MAX_IN_FLIGHT = 64;

/**
 * The most members a bridge asks about in one key-chain call; a membership change brings the
 * missing key shares (`?include=missingKeyShares`) for at most this many added members, so
 * that its answer matches the bridge's own lookup.
 */
export const KEY_CHAIN_CALL_BATCH = 500;

/**
 * How deep a request body or channel message may nest. A SCIM body may nest 64 levels at
 * the bridge (`app.ts`); a call wraps its profile in a few more.
 */
export const API_MAX_JSON_DEPTH = 128;

/** The parts of a WebSocket (`ws`) that `watchChannelLiveness` uses. */
interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

/**
 * Pings the other end every `intervalMs` and ends the connection when the previous ping got
 * no pong: a peer that vanished without closing (a cut network, a frozen host) does not hold
 * a channel open. Both ends run it. Returns the function that stops it.
 */
export function watchChannelLiveness(socket: PingableSocket, intervalMs: number): () => void {
  let alive = true;
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    try {
      socket.ping();
    } catch {
      // Not open (any more): the close that follows stops this timer.
    }
  }, intervalMs);
  timer.unref();
  socket.on('pong', () => {
    alive = true;
  });
  return () => clearInterval(timer);
}

/** Prefix of API session tokens, so that a leaked one is recognisable. */
export const API_SESSION_TOKEN_PREFIX = 'sbs_';
export const API_SESSION_TOKEN_LENGTH = API_SESSION_TOKEN_PREFIX.length + 43;

/** How long a challenge may be answered, and how long an API session lasts. */
export const CHALLENGE_TTL_SECONDS = 60;
export const API_SESSION_TTL_SECONDS = 15 * 60;

/**
 * The bytes the bridge signs with its Ed25519 key. Everything the account checks is in it,
 * with a fixed label, so a signature cannot be replayed for another challenge, key or use.
 */
export function signInMessage(challenge: { challengeId: string; keyId: string; nonce: string }): string {
  return `scimbridge account API sign-in v1\n${challenge.challengeId}\n${challenge.keyId}\n${challenge.nonce}`;
}

/** Codes that only the API has; the account's own codes cross it unchanged. */
export type ApiOnlyErrorCode =
  /** No API session token, an unknown one, or an expired one: sign in again. */
  | 'api_session_invalid'
  /** The challenge answer was wrong: unknown or expired challenge, other key, bad signature. */
  | 'sign_in_failed'
  /** Too many sign-in requests from one address without a sign-in: wait `retryAfterSeconds`. */
  | 'rate_limited'
  /** The request itself is malformed (not JSON, wrong fields). */
  | 'invalid_request'
  | 'not_found'
  | 'internal_error'
  /** The bridge's release is too far from the account's (release-compat.ts); the message names both. */
  | 'release_mismatch'
  /**
   * A SCIM protocol error raised below the API (a filter on an attribute that cannot be
   * filtered, say): the body carries the SCIM `status` and `scimType`, which the bridge
   * passes on to the IdP unchanged.
   */
  | 'scim_error';

export type ApiErrorCode = AccountErrorCode | ApiOnlyErrorCode;

/** Every error response: `{"code": "...", "message": "..."}`. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** Only with `scim_error`. */
  scimStatus?: number;
  scimType?: string;
  /** Only with `firewall_blocked`: the bridge's address as the account saw it, and the rule. */
  address?: string;
  rule?: string;
  /** Only with `rate_limited`; also sent as the Retry-After header. */
  retryAfterSeconds?: number;
}

export const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  member_not_found: 404,
  group_not_found: 404,
  user_name_taken: 409,
  email_taken: 409,
  group_name_taken: 409,
  group_not_managed: 409,
  member_protected: 403,
  group_protected: 403,
  domain_not_allowed: 422,
  invalid_input: 422,
  version_mismatch: 412,
  provisioning_disabled: 403,
  credentials_revoked: 401,
  account_missing: 503,
  firewall_blocked: 403,
  // Never sent by the server: the bridge's client raises it when it cannot reach the server.
  account_unreachable: 503,
  storage_unavailable: 503,
  api_session_invalid: 401,
  sign_in_failed: 401,
  rate_limited: 429,
  invalid_request: 400,
  not_found: 404,
  internal_error: 500,
  release_mismatch: 409,
  scim_error: 400,
};

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && Object.hasOwn(API_ERROR_STATUS, value);
}

/** Account codes the client turns back into `AccountError`s (everything but the API-only ones). */
export function isAccountErrorCode(value: unknown): value is AccountErrorCode {
  return (
    isApiErrorCode(value) &&
    ![
      'api_session_invalid',
      'sign_in_failed',
      'rate_limited',
      'invalid_request',
      'not_found',
      'internal_error',
      'release_mismatch',
      'scim_error',
    ].includes(value)
  );
}

export interface ChallengeResponse {
  challengeId: string;
  nonce: string;
  expiresAt: string;
  /** The account server's clock, so a bridge can warn about clock skew. */
  serverTime: string;
}

export interface SignInResponse {
  sessionToken: string;
  expiresAt: string;
  expiresInSeconds: number;
}
