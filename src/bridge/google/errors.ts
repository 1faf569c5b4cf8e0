/**
 * What went wrong talking to Google, as the administrator can act on it: each kind says
 * what to fix. Built from the libraries' errors without their text where that could quote
 * a request (the assertion, the access token): only Google's own error codes and reasons.
 */
import type { ServiceAccountKey } from './key-file.ts';

export type GoogleSyncErrorCode =
  /** Google refused the signed assertion: the key was deleted, revoked or is not this account's. */
  | 'key_rejected'
  /** The service account's client id has no domain-wide delegation for the scopes. */
  | 'delegation_missing'
  /** The administrator to act as does not exist in Workspace. */
  | 'admin_invalid'
  /** Signed in, but the administrator may not read the directory. */
  | 'access_denied'
  | 'group_not_found'
  /** Quota answers, 5xx, or no answer: retried, then reported. */
  | 'google_unavailable'
  | 'not_configured';

const RETRYABLE_REASONS = new Set([
  'userRateLimitExceeded',
  'quotaExceeded',
  'rateLimitExceeded',
  'backendError',
]);

export class GoogleSyncError extends Error {
  readonly code: GoogleSyncErrorCode;
  /** Worth trying again after a pause (quota, 5xx, connection). */
  readonly retryable: boolean;
  /** Seconds Google asked to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    code: GoogleSyncErrorCode,
    message: string,
    retry?: { retryable: boolean; afterSeconds?: number },
  ) {
    super(message);
    this.name = 'GoogleSyncError';
    this.code = code;
    this.retryable = retry?.retryable ?? false;
    this.retryAfterSeconds = retry?.afterSeconds;
  }
}

interface FailureContext {
  what: string;
  tokenUrl: string;
  admin: string;
  key: ServiceAccountKey;
}

interface LibraryError {
  status?: number;
  code?: string | number;
  config?: { url?: unknown };
  response?: { status?: number; data?: unknown; headers?: unknown };
}

export function classifyGoogleFailure(error: unknown, context: FailureContext): GoogleSyncError {
  if (error instanceof GoogleSyncError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as LibraryError;
  const status = failure.response?.status ?? failure.status;
  const data = failure.response?.data;
  const fromToken = failure.config?.url !== undefined && String(failure.config.url) === context.tokenUrl;
  if (status === undefined) {
    const code = typeof failure.code === 'string' ? failure.code : 'no answer';
    return new GoogleSyncError(
      'google_unavailable',
      `Google did not answer while reading ${context.what} (${code})`,
      {
        retryable: true,
      },
    );
  }
  if (fromToken) return tokenFailure(status, data, context);
  const reason = apiReason(data);
  if (
    status === 429 ||
    status >= 500 ||
    (status === 403 && reason !== undefined && RETRYABLE_REASONS.has(reason))
  ) {
    const afterSeconds = retryAfterOf(failure.response?.headers);
    return new GoogleSyncError(
      'google_unavailable',
      `Google answered ${status}${reason ? ` ${reason}` : ''} while reading ${context.what}`,
      { retryable: true, ...(afterSeconds !== undefined ? { afterSeconds } : {}) },
    );
  }
  if (status === 404) {
    return new GoogleSyncError(
      'group_not_found',
      `Google has no ${context.what} (404): check the group's e-mail address in the synced groups`,
    );
  }
  if (status === 401 || status === 403) {
    return new GoogleSyncError(
      'access_denied',
      `Google refused to let ${context.admin} read ${context.what} (${status}${reason ? ` ${reason}` : ''}): the administrator to act as must be a Workspace administrator allowed to read users and groups`,
    );
  }
  return new GoogleSyncError('google_unavailable', `Google answered ${status} while reading ${context.what}`);
}

function tokenFailure(status: number, data: unknown, context: FailureContext): GoogleSyncError {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const code = typeof body.error === 'string' ? body.error : '';
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  const account = context.key.clientEmail;
  if (status >= 500 || status === 429) {
    return new GoogleSyncError('google_unavailable', `Google's token service answered ${status}`, {
      retryable: true,
    });
  }
  if (code === 'unauthorized_client') {
    return new GoogleSyncError(
      'delegation_missing',
      `Google refused to let ${account} act as ${context.admin} (unauthorized_client): in the Admin console, Security → API controls → Domain-wide delegation, add the client id ${context.key.clientId ?? 'of the service account'} with the scopes ${SCOPE_LIST}`,
    );
  }
  if (code === 'invalid_grant' && /user|email|subject/i.test(description)) {
    return new GoogleSyncError(
      'admin_invalid',
      `Google does not know the administrator ${context.admin} (invalid_grant): set the administrator to act as to an existing Workspace administrator`,
    );
  }
  return new GoogleSyncError(
    'key_rejected',
    `Google rejected the service-account key of ${account} (${code || status}${description ? `: ${description.slice(0, 120)}` : ''}): the key was deleted or revoked, or belongs to another service account; download a new JSON key and give it to the bridge`,
  );
}

const SCOPE_LIST =
  'admin.directory.user.readonly, admin.directory.group.readonly and admin.directory.group.member.readonly';

function apiReason(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && typeof errors[0]?.reason === 'string') return errors[0].reason;
  const statusText = (error as { status?: unknown }).status;
  return typeof statusText === 'string' ? statusText : undefined;
}

function retryAfterOf(headers: unknown): number | undefined {
  // The library's Headers may come from another fetch implementation than the global one.
  const value =
    typeof headers === 'object' && headers !== null
      ? typeof (headers as { get?: unknown }).get === 'function'
        ? (headers as { get(name: string): string | null }).get('retry-after')
        : (headers as Record<string, unknown>)['retry-after']
      : undefined;
  const seconds = Number(value);
  return typeof value === 'string' && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
