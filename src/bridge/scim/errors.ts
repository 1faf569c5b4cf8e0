/**
 * The one place where failures become SCIM errors (RFC 7644 §3.12). Account errors carry a
 * stable code; this table decides the HTTP status and `scimType` an IdP sees for each.
 */
import { AccountError, type AccountErrorCode } from '../../account/errors.ts';
import { asStorageFailure } from '../../account/storage-failure.ts';
import { BodyTextError } from '../../json-body.ts';
import { ScimError, type ScimType } from '../../scim/errors.ts';

const ACCOUNT_ERRORS: Record<AccountErrorCode, { status: number; scimType?: ScimType }> = {
  member_not_found: { status: 404 },
  group_not_found: { status: 404 },
  user_name_taken: { status: 409, scimType: 'uniqueness' },
  email_taken: { status: 409, scimType: 'uniqueness' },
  group_name_taken: { status: 409, scimType: 'uniqueness' },
  // A same-named custom group exists that an administrator has not handed to the IdP (P17).
  group_not_managed: { status: 409, scimType: 'uniqueness' },
  member_protected: { status: 403 },
  group_protected: { status: 403 },
  domain_not_allowed: { status: 400, scimType: 'invalidValue' },
  invalid_input: { status: 400, scimType: 'invalidValue' },
  version_mismatch: { status: 412 },
  // Never raised by provisioning: only an administrator changes vault permissions (P18).
  last_vault_manager: { status: 409 },
  provisioning_disabled: { status: 403 },
  credentials_revoked: { status: 401 },
  account_missing: { status: 503 },
  // Both are outages between bridge and account that an operator fixes; 503 with Retry-After
  // makes the IdP retry later, so nothing it sent meanwhile is lost (P22).
  firewall_blocked: { status: 503 },
  account_unreachable: { status: 503 },
  storage_unavailable: { status: 503 },
};

/** Fastify's own request errors, by code. */
const REQUEST_ERRORS: Record<string, { status: number; scimType?: ScimType; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'the request body is larger than this server accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    detail: 'send the body as application/scim+json or application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'the request body is empty',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'the request body is not valid JSON',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'the URL is not valid (a malformed percent-encoding)',
  },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, detail: 'the URL path is longer than this server accepts' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'the Content-Length header does not match the body',
  },
};

export function toScimError(failure: unknown): ScimError {
  if (failure instanceof ScimError) return failure;
  // In one process the account's database errors reach this table as they are.
  const error = asStorageFailure(failure) ?? failure;
  // A body that is not text: invalid UTF-8 or nesting past the limit is a syntax error; a
  // lone surrogate is a string value that is no text (json-body.ts).
  if (error instanceof BodyTextError) {
    return new ScimError(
      400,
      error.problem === 'lone_surrogate' ? 'invalidValue' : 'invalidSyntax',
      error.message,
    );
  }
  if (error instanceof AccountError) {
    const mapped = ACCOUNT_ERRORS[error.code];
    return new ScimError(
      mapped.status,
      mapped.scimType,
      error.message,
      mapped.status === 503 ? 30 : undefined,
    );
  }
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code in REQUEST_ERRORS) {
      const mapped = REQUEST_ERRORS[code]!;
      return new ScimError(mapped.status, mapped.scimType, mapped.detail);
    }
    // A body that JSON.parse refused (fastify passes the SyntaxError through with status 400).
    if (error instanceof SyntaxError) {
      return new ScimError(400, 'invalidSyntax', 'the request body is not valid JSON');
    }
    // Any other request error the framework raised keeps its 4xx status, as a SCIM error.
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return new ScimError(
        statusCode,
        statusCode === 400 ? 'invalidSyntax' : undefined,
        'the request is not valid',
      );
    }
  }
  return new ScimError(
    500,
    undefined,
    'the server failed to handle this request; the bridge log has the details',
  );
}
