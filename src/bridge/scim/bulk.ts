/**
 * POST /Bulk (RFC 7644 §3.7): each operation runs through the same handlers as a single
 * request. Operations run after the POSTs whose `bulkId` they reference (§3.7.2 lets the
 * server choose such an order); circular or unknown references fail with 409, as the RFC's
 * circular-reference example shows. `failOnErrors` stops the run after that many errors.
 */
import {
  type BulkOperation,
  type BulkResult,
  bulkResponse,
  parseBulkRequest,
  planBulkOrder,
  resolveBulkReferences,
} from '../../scim/bulk.ts';
import type { ScimError } from '../../scim/errors.ts';
import type { ScimContext, ScimRequest, ScimResult } from './context.ts';
import { toScimError } from './errors.ts';
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './groups.ts';
import { createUser, deleteUser, patchUser, replaceUser } from './users.ts';

export async function executeBulk(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  const request = parseBulkRequest(req.body, { maxOperations: ctx.bulkMaxOperations });
  const plan = planBulkOrder(request.operations);
  const created = new Map<string, string>();
  const results: Array<BulkResult | undefined> = new Array(request.operations.length);
  let errors = 0;
  for (const index of plan.order) {
    if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
    const result = await runOperation(ctx, request.operations[index]!, created);
    if (result.status >= 400) errors++;
    results[index] = result;
  }
  for (const [index, error] of plan.unresolvable) {
    if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
    results[index] = failure(request.operations[index]!, error);
    errors++;
  }
  return { status: 200, body: bulkResponse(results.filter((result) => result !== undefined)) };
}

async function runOperation(
  ctx: ScimContext,
  operation: BulkOperation,
  created: Map<string, string>,
): Promise<BulkResult> {
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
    const outcome: BulkResult = { method: operation.method, status: result.status };
    if (operation.bulkId !== undefined) outcome.bulkId = operation.bulkId;
    if (result.location !== undefined) outcome.location = result.location;
    if (result.etag !== undefined) outcome.version = result.etag;
    return outcome;
  } catch (error) {
    return failure(operation, toScimError(error));
  }
}

function failure(operation: BulkOperation, error: ScimError): BulkResult {
  const outcome: BulkResult = {
    method: operation.method,
    status: error.status,
    response: error.toJSON(),
  };
  if (operation.bulkId !== undefined) outcome.bulkId = operation.bulkId;
  return outcome;
}
