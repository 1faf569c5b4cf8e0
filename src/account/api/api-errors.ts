/**
 * How the account API answers a failure: every error becomes `{code, message}` with the
 * status of its code (protocol.ts), in one place for routes, batch calls and channel messages.
 */
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { ScimError } from '../../scim/errors.ts';
import { AccountError } from '../errors.ts';
import { asStorageFailure } from '../storage-failure.ts';
import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from './protocol.ts';
import { ApiAuthError, ApiRateLimitError } from './sign-in.ts';
import { ApiRequestError } from './validation.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A SCIM error keeps its own status (the bridge passes it on); every other code has one. */
export function errorStatus(body: ApiErrorBody): number {
  return body.scimStatus ?? API_ERROR_STATUS[body.code];
}

/** Failures the operator should see: our own errors, and refusals of the bridge's address or key. */
export function logRefusal(
  log: FastifyBaseLogger,
  error: unknown,
  body: ApiErrorBody,
  address: string,
): void {
  if (body.code === 'internal_error') log.error({ err: error }, 'account API request failed');
  else if (body.code === 'storage_unavailable') {
    log.error(
      { err: error, code: body.code, detail: body.message },
      'account API refused: the database cannot be written',
    );
  } else if (
    body.code === 'firewall_blocked' ||
    body.code === 'sign_in_failed' ||
    body.code === 'rate_limited'
  ) {
    log.warn({ address, code: body.code, detail: body.message }, 'account API refused');
  }
}

export function sendError(reply: FastifyReply, body: ApiErrorBody): FastifyReply {
  if (body.retryAfterSeconds !== undefined) reply.header('retry-after', String(body.retryAfterSeconds));
  return reply
    .code(errorStatus(body))
    .header('content-type', JSON_TYPE)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(body));
}

export function toApiError(failure: unknown): ApiErrorBody {
  const error = asStorageFailure(failure) ?? failure;
  if (error instanceof AccountError && error.code === 'storage_unavailable') {
    return { code: error.code, message: error.message, retryAfterSeconds: 30 };
  }
  if (error instanceof AccountError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.address !== undefined ? { address: error.address } : {}),
      ...(error.rule !== undefined ? { rule: error.rule } : {}),
    };
  }
  if (error instanceof ApiAuthError) return { code: error.code, message: error.message };
  if (error instanceof ApiRateLimitError) {
    return { code: 'rate_limited', message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof ApiRequestError) return { code: 'invalid_request', message: error.message };
  if (error instanceof ScimError && error.status >= 400 && error.status < 500) {
    return {
      code: 'scim_error',
      message: error.detail,
      scimStatus: error.status,
      ...(error.scimType ? { scimType: error.scimType } : {}),
    };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own request errors: body too large, not JSON, wrong content type.
    const code: ApiErrorCode = 'invalid_request';
    return { code, message: (error as Error).message };
  }
  return { code: 'internal_error', message: 'the account server failed; its log has the details' };
}
