/** What every SCIM handler gets: the account, the public base URL and the limits. */
import type { AccountClient } from '../../account/client.ts';

export interface ScimContext {
  client: AccountClient;
  /** e.g. https://bridge.example.com/scim/v2 — used for `meta.location` and `$ref`. */
  baseUrl: string;
  maxPageSize: number;
  defaultPageSize: number;
  bulkMaxOperations: number;
  maxBodyBytes: number;
}

/** A handler's answer, independent of the HTTP framework so that Bulk can reuse handlers. */
export interface ScimResult {
  status: number;
  body?: unknown;
  location?: string;
  etag?: string;
}

/** The parts of a request handlers read. Query values arrive as strings. */
export interface ScimRequest {
  query: Record<string, unknown>;
  body?: unknown;
  ifMatch?: string;
  ifNoneMatch?: string;
}
