/**
 * SCIM protocol errors (RFC 7644 §3.12). Every failure that reaches an IdP is one of these,
 * rendered in one place by the bridge. `status` is kept as a number here and written as a
 * string in the response body, as the RFC's Error schema asks.
 */

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The `scimType` keywords of RFC 7644 §3.12, Table 9. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;
  /** Seconds, for 429 and 503 answers. */
  readonly retryAfter: number | undefined;

  constructor(status: number, scimType: ScimType | undefined, detail: string, retryAfter?: number) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  toJSON(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(this.status), detail: this.detail };
    if (this.scimType) body.scimType = this.scimType;
    return body;
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const tooMany = (detail: string) => new ScimError(400, 'tooMany', detail);
export const invalidVersion = (detail: string) => new ScimError(400, 'invalidVers', detail);
export const badRequest = (detail: string) => new ScimError(400, undefined, detail);
export const unauthorized = (detail: string) => new ScimError(401, undefined, detail);
export const forbidden = (detail: string) => new ScimError(403, undefined, detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const preconditionFailed = (detail: string) => new ScimError(412, undefined, detail);
export const methodNotAllowed = (detail: string) => new ScimError(405, undefined, detail);
export const payloadTooLarge = (detail: string) => new ScimError(413, undefined, detail);
export const tooManyRequests = (detail: string, retryAfter: number) =>
  new ScimError(429, undefined, detail, retryAfter);
export const internalError = (detail: string) => new ScimError(500, undefined, detail);
export const notImplemented = (detail: string) => new ScimError(501, undefined, detail);
export const unavailable = (detail: string, retryAfter: number) =>
  new ScimError(503, undefined, detail, retryAfter);
