/** Wire contract shared with the bridge's client; plain data and functions only so the bridge may import it. */
import type { AccountErrorCode } from '../errors.ts';

export const API_PREFIX = '/api/v1';

export const CHANNEL_MAX_IN_FLIGHT = 64;

/** Also caps `?include=missingKeyShares`, so that answer matches the bridge's own lookup. */
export const KEY_CHAIN_CALL_BATCH = 500;

/** A SCIM body may nest 64 levels at the bridge; a call wraps it in a few more. */
export const API_MAX_JSON_DEPTH = 128;

interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

/** So a peer that vanished without closing (cut network, frozen host) does not hold a channel open. */
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

/** Makes a leaked token recognisable. */
export const API_SESSION_TOKEN_PREFIX = 'sbs_';
export const API_SESSION_TOKEN_LENGTH = API_SESSION_TOKEN_PREFIX.length + 43;

/** How long a challenge may be answered, and how long an API session lasts. */
export const CHALLENGE_TTL_SECONDS = 60;
export const API_SESSION_TTL_SECONDS = 15 * 60;

/** Fixed label plus everything checked, so a signature cannot be replayed for another challenge, key or use. */
export function signInMessage(challenge: { challengeId: string; keyId: string; nonce: string }): string {
  return `scimbridge account API sign-in v1\n${challenge.challengeId}\n${challenge.keyId}\n${challenge.nonce}`;
}

/**
 * Codes that only the API has, with their status: the one list the type, the status table,
 * `isAccountErrorCode` and the OpenAPI document's Error schema are derived from. The
 * account's own codes cross the API unchanged.
 */
const API_ONLY_ERROR_STATUS = {
  api_session_invalid: 401,
  sign_in_failed: 401,
  /** Too many sign-in requests from one address without a sign-in: wait `retryAfterSeconds`. */
  rate_limited: 429,
  invalid_request: 400,
  not_found: 404,
  internal_error: 500,
  /** The bridge's release is too far from the account's (release-compat.ts); the message names both. */
  release_mismatch: 409,
  /** Carries SCIM `status` and `scimType`, passed to the IdP unchanged. */
  scim_error: 400,
} as const;

export type ApiOnlyErrorCode = keyof typeof API_ONLY_ERROR_STATUS;

export type ApiErrorCode = AccountErrorCode | ApiOnlyErrorCode;

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
  last_vault_manager: 409,
  provisioning_disabled: 403,
  credentials_revoked: 401,
  account_missing: 503,
  firewall_blocked: 403,
  // Never sent by the server: the bridge's client raises it when it cannot reach the server.
  account_unreachable: 503,
  storage_unavailable: 503,
  ...API_ONLY_ERROR_STATUS,
};

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && Object.hasOwn(API_ERROR_STATUS, value);
}

/** The code of an error answer the client received; typed, so a comparison with a code not in the list fails to compile. */
export function apiErrorCodeOf(body: unknown): ApiErrorCode | undefined {
  const code = (body as { code?: unknown } | null | undefined)?.code;
  return isApiErrorCode(code) ? code : undefined;
}

export function isAccountErrorCode(value: unknown): value is AccountErrorCode {
  return isApiErrorCode(value) && !Object.hasOwn(API_ONLY_ERROR_STATUS, value);
}

export interface ChallengeResponse {
  challengeId: string;
  nonce: string;
  expiresAt: string;
  /** So a bridge can warn about clock skew. */
  serverTime: string;
}

export interface SignInResponse {
  sessionToken: string;
  expiresAt: string;
  expiresInSeconds: number;
}
