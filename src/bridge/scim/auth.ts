/** The bearer-token check in front of every SCIM request (DESIGN.md, "the token is the key"). */

import type { AccountClient } from '../../account/client.ts';
import { tooManyRequests, unauthorized } from '../../scim/errors.ts';
import type { FailureLimiter } from '../failed-token-limit.ts';

export interface Authenticator {
  /**
   * Undefined when the request may proceed at once (the known token, provisioning known to be
   * on); otherwise a promise that resolves when it may, or rejects with a ScimError (401,
   * 429, 403 …).
   */
  authenticate(authorization: string | undefined, address: string): Promise<void> | undefined;
}

export interface TokenCheck {
  verify(
    authorization: string | undefined,
  ): Promise<{ ok: true; keyId: string } | { ok: false; reason: string }>;
  /** The token that opened the session, recognised without a promise (token-verifier.ts). */
  known?(authorization: string | undefined): { keyId: string } | undefined;
}

const REASONS: Record<string, string> = {
  missing: 'send the bearer token in the Authorization header ("Authorization: Bearer <token>")',
  malformed: 'the Authorization header does not hold a scimbridge bearer token',
  session_unavailable:
    'this bridge cannot read its session file; generate credentials (scimbridge provisioning setup) and give the bridge the session file',
  wrong_token:
    "the bearer token does not match this bridge's session file; use the token that was generated with it",
};

export function createAuthenticator(
  tokens: TokenCheck,
  limiter: FailureLimiter,
  client: AccountClient,
): Authenticator {
  async function check(authorization: string | undefined, address: string): Promise<void> {
    // The right token always gets through, so a neighbour guessing tokens from the same
    // address (a shared NAT) cannot lock the IdP out; wrong guesses past the limit get 429.
    // Only a failure is counted, so only a failure may wait on the shared limit (Redis).
    const result = await tokens.verify(authorization);
    if (!result.ok) {
      const limit = await limiter.fail(address);
      if (limit.blocked) {
        throw tooManyRequests(
          'too many requests with a wrong bearer token from this address; wait and retry',
          limit.retryAfterSeconds,
        );
      }
      throw unauthorized(REASONS[result.reason] ?? 'the bearer token was not accepted');
    }
    // Provisioning off (P3) and regenerated credentials (P2) are checked on every request.
    await client.checkProvisioning(result.keyId);
  }

  return {
    authenticate(authorization, address) {
      // Nearly every request: the token already seen, provisioning on a moment ago. Answered
      // without a promise, the same decision `check` would reach from the same caches.
      const known = tokens.known?.(authorization);
      if (known !== undefined && client.provisioningKnown?.(known.keyId) === true) return undefined;
      return check(authorization, address);
    },
  };
}
