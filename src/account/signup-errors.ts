/**
 * Errors of invitations, sign-up and member sign-in. Kept apart from `AccountError`, whose
 * codes the bridge maps to SCIM errors: these never reach an IdP. The account server's
 * pages and JSON endpoints render them in one place (src/account/signup/routes.ts), and
 * the CLI prints their message.
 */
export type SignupErrorCode =
  /** No invitation has this token: mistyped, truncated or forged. */
  | 'invitation_unknown'
  | 'invitation_expired'
  | 'invitation_used'
  /** A newer link replaced it, or the member was suspended. */
  | 'invitation_revoked'
  /** The member cannot sign up (any more): deleted, or already signed up. */
  | 'member_unavailable'
  /** The member is suspended: their links and sign-in say so (after the link or password checked out). */
  | 'member_suspended'
  /** The request is malformed; the message says which field and why. */
  | 'invalid_input'
  /** The member is not in a state where this makes sense (e.g. resend for a signed-up member). */
  | 'not_invitable'
  | 'sign_in_failed'
  | 'sign_in_throttled'
  /** The password was right, but the console is for owners and administrators. */
  | 'not_administrator'
  /** Someone else changed the member at the same moment; trying again works. */
  | 'conflict';

export class SignupError extends Error {
  readonly code: SignupErrorCode;
  /** For sign_in_throttled: when to try again. */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: SignupErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'SignupError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The HTTP status each code is answered with. */
export const SIGNUP_ERROR_STATUS: Record<SignupErrorCode, number> = {
  invitation_unknown: 404,
  invitation_expired: 410,
  invitation_used: 410,
  invitation_revoked: 410,
  member_unavailable: 410,
  member_suspended: 403,
  invalid_input: 400,
  not_invitable: 409,
  sign_in_failed: 401,
  sign_in_throttled: 429,
  not_administrator: 403,
  conflict: 409,
};
