/**
 * Every schema and message URN the project speaks (RFC 7643 §8.2–§8.7, RFC 7644 §3.x). One
 * place, so a typo cannot make a request silently fail a comparison.
 */

/** Core User schema (RFC 7643 §4.1). */
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** Core Group schema (RFC 7643 §4.2). */
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Enterprise User extension (RFC 7643 §4.3). */
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Service provider configuration (RFC 7643 §5). */
export const SERVICE_PROVIDER_CONFIG_URN = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
/** Resource type description (RFC 7643 §6). */
export const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
/** Schema description (RFC 7643 §7). */
export const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** Query answers (RFC 7644 §3.4.2). */
export const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** POST /.search bodies (RFC 7644 §3.4.3). */
export const SEARCH_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
/** PATCH bodies (RFC 7644 §3.5.2). */
export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Bulk request and response bodies (RFC 7644 §3.7). */
export const BULK_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
/** Error bodies (RFC 7644 §3.12); the same constant as `ERROR_SCHEMA` in `../errors.ts`. */
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
