/** What every SCIM handler gets: the account, the public base URL and the limits. */
import type { AccountClient } from '../../account/client.ts';
import type { ResourceQueue } from './resource-queue.ts';

export interface ScimContext {
  client: AccountClient;
  /** e.g. https://bridge.example.com/scim/v2 — used for `meta.location` and `$ref`. */
  baseUrl: string;
  maxPageSize: number;
  defaultPageSize: number;
  bulkMaxOperations: number;
  maxBodyBytes: number;
  /** The key chain: makes new groups' key pairs and shares group keys with confirmed members (absent in tests that leave it out). */
  groupKeys?: GroupKeySharing;
  /** Read-modify-writes of one resource take turns in this bridge (`withVersionRetry`). */
  writes?: ResourceQueue;
}

/** What the group handlers ask of the key chain; neither call throws (the watcher retries what fails). */
export interface GroupKeySharing {
  groupCreated(groupId: string, memberIds: readonly string[]): Promise<void>;
  shareWithMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
}

/** A handler's answer, independent of the HTTP framework so that Bulk can reuse handlers. */
export interface ScimResult {
  status: number;
  body?: unknown;
  /** The body already written as JSON text (a page of users); `body` is then unset. */
  encoded?: string;
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
