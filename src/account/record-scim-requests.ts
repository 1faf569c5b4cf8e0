/**
 * Stores a batch of the bridge's SCIM request records (the console's request log) and keeps
 * the log within its bounds: the newest REQUEST_LOG_KEEP entries of the last
 * REQUEST_LOG_MAX_AGE_DAYS days. The bridge has already redacted the bodies; every field is
 * checked and bounded again here, because the log is shown to administrators.
 */
import { REQUEST_LOG_BATCH, REQUEST_LOG_BODY_CHARS } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { ScimRequestRecord } from './model.ts';

export const REQUEST_LOG_KEEP = 50_000;
export const REQUEST_LOG_MAX_AGE_DAYS = 14;

const TEXT_LIMITS = { idp: 40, operation: 60, method: 10, path: 1000, resourceType: 40, resourceId: 200 };
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function invalid(index: number, what: string): AccountError {
  return new AccountError('invalid_input', `request record ${index}: ${what}`);
}

function boundedText(value: unknown, limit: number, index: number, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(index, `"${field}" must be non-empty text`);
  return value.length > limit ? value.slice(0, limit) : value;
}

function optionalText(value: unknown, limit: number, index: number, field: string): string | null {
  if (value === null || value === undefined) return null;
  return boundedText(value, limit, index, field);
}

function recordOf(raw: unknown, index: number): ScimRequestRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(index, 'must be an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.at !== 'string' || !ISO_INSTANT.test(r.at) || Number.isNaN(Date.parse(r.at))) {
    throw invalid(index, '"at" must be an ISO-8601 UTC instant');
  }
  if (typeof r.status !== 'number' || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) {
    throw invalid(index, '"status" must be an HTTP status');
  }
  if (typeof r.ms !== 'number' || !Number.isFinite(r.ms) || r.ms < 0) {
    throw invalid(index, '"ms" must be a duration');
  }
  const body = optionalText(r.body, REQUEST_LOG_BODY_CHARS, index, 'body');
  return {
    at: r.at,
    idp: boundedText(r.idp, TEXT_LIMITS.idp, index, 'idp'),
    operation: boundedText(r.operation, TEXT_LIMITS.operation, index, 'operation'),
    method: boundedText(r.method, TEXT_LIMITS.method, index, 'method'),
    path: boundedText(r.path, TEXT_LIMITS.path, index, 'path'),
    resourceType: boundedText(r.resourceType, TEXT_LIMITS.resourceType, index, 'resourceType'),
    resourceId: optionalText(r.resourceId, TEXT_LIMITS.resourceId, index, 'resourceId'),
    status: r.status,
    scimType: optionalText(r.scimType, TEXT_LIMITS.operation, index, 'scimType'),
    detail: optionalText(r.detail, TEXT_LIMITS.path, index, 'detail'),
    ms: Math.round(r.ms * 100) / 100,
    body,
    bodyTruncated:
      r.bodyTruncated === true || (typeof r.body === 'string' && r.body.length > REQUEST_LOG_BODY_CHARS),
  };
}

/** Checks the whole batch first: one bad record refuses the batch and stores nothing. */
export async function recordScimRequests(deps: AccountDeps, records: readonly unknown[]): Promise<number> {
  if (!Array.isArray(records) || records.length > REQUEST_LOG_BATCH) {
    throw new AccountError('invalid_input', `"records" must be a list of at most ${REQUEST_LOG_BATCH}`);
  }
  if (records.length === 0) return 0;
  const entries = records.map(recordOf);
  const oldest = new Date(deps.clock.now().getTime() - REQUEST_LOG_MAX_AGE_DAYS * 86_400_000).toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.appendScimRequests(entries);
    await tx.pruneScimRequests({ olderThan: oldest, keep: REQUEST_LOG_KEEP });
  });
  return entries.length;
}
