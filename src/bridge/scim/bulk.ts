/**
 * POST /Bulk (RFC 7644 §3.7): each operation runs through the same handlers as a single
 * request. Operations that reference a `bulkId` created by another operation wait until it
 * exists (§3.7.2 lets the server choose the order); an operation whose reference can never
 * be resolved fails with 409 as the RFC's circular-reference example shows.
 */
import {
  type BulkOperation,
  bulkResponse,
  parseBulkRequest,
  resolveBulkReferences,
} from '../../scim/bulk.ts';
import { ScimError } from '../../scim/errors.ts';
import type { ScimContext, ScimRequest, ScimResult } from './context.ts';
import { toScimError } from './errors.ts';
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './groups.ts';
import { createUser, deleteUser, patchUser, replaceUser } from './users.ts';

export interface BulkOperationResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: number;
  response?: unknown;
}

const BULK_REFERENCE = /bulkId:([^"\s/]+)/;

export async function executeBulk(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  const request = parseBulkRequest(req.body, { maxOperations: ctx.bulkMaxOperations });
  const created = new Map<string, string>();
  const results: BulkOperationResult[] = new Array(request.operations.length);
  let pending = request.operations.map((operation, index) => ({ operation, index }));
  let errors = 0;

  while (pending.length > 0) {
    const waiting: typeof pending = [];
    for (const item of pending) {
      if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
      if (referencesUnresolved(item.operation, created, request.operations)) {
        waiting.push(item);
        continue;
      }
      const result = await runOperation(ctx, item.operation, created);
      if (result.status >= 400) errors++;
      results[item.index] = result;
    }
    if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
    if (waiting.length === pending.length) {
      // Nothing moved: the remaining references are circular or name no operation.
      for (const item of waiting) {
        results[item.index] = failure(
          item.operation,
          new ScimError(409, 'invalidValue', 'this operation references a bulkId that could not be resolved'),
        );
      }
      break;
    }
    pending = waiting;
  }
  return { status: 200, body: bulkResponse(results.filter((result) => result !== undefined)) };
}

function referencesUnresolved(
  operation: BulkOperation,
  created: ReadonlyMap<string, string>,
  all: readonly BulkOperation[],
): boolean {
  const text = JSON.stringify([operation.path, operation.data ?? null]);
  const pattern = new RegExp(BULK_REFERENCE.source, 'g');
  for (const match of text.matchAll(pattern)) {
    const id = match[1]!;
    if (!created.has(id) && all.some((other) => other.bulkId === id && other !== operation)) return true;
  }
  return false;
}

async function runOperation(
  ctx: ScimContext,
  operation: BulkOperation,
  created: Map<string, string>,
): Promise<BulkOperationResult> {
  try {
    const path = resolveBulkReferences(operation.path, created) as string;
    const body = operation.data === undefined ? undefined : resolveBulkReferences(operation.data, created);
    const request: ScimRequest = { query: {}, body, ifMatch: operation.version };
    const [, collection, id] = path.split('/');
    const isUsers = collection?.toLowerCase() === 'users';
    let result: ScimResult;
    switch (operation.method) {
      case 'POST':
        result = isUsers ? await createUser(ctx, request) : await createGroup(ctx, request);
        break;
      case 'PUT':
        result = isUsers ? await replaceUser(ctx, id!, request) : await replaceGroup(ctx, id!, request);
        break;
      case 'PATCH':
        result = isUsers ? await patchUser(ctx, id!, request) : await patchGroup(ctx, id!, request);
        break;
      case 'DELETE':
        result = isUsers ? await deleteUser(ctx, id!, request) : await deleteGroup(ctx, id!, request);
        break;
    }
    if (operation.method === 'POST' && operation.bulkId !== undefined && result.location !== undefined) {
      created.set(operation.bulkId, result.location.slice(result.location.lastIndexOf('/') + 1));
    }
    const outcome: BulkOperationResult = { method: operation.method, status: result.status };
    if (operation.bulkId !== undefined) outcome.bulkId = operation.bulkId;
    if (result.location !== undefined) outcome.location = result.location;
    if (result.etag !== undefined) outcome.version = result.etag;
    return outcome;
  } catch (error) {
    return failure(operation, toScimError(error));
  }
}

function failure(operation: BulkOperation, error: ScimError): BulkOperationResult {
  const outcome: BulkOperationResult = {
    method: operation.method,
    status: error.status,
    response: error.toJSON(),
  };
  if (operation.bulkId !== undefined) outcome.bulkId = operation.bulkId;
  return outcome;
}
