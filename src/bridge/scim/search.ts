/**
 * `POST /.search` at the root (RFC 7644 §3.4.3): one list over every resource type, Users
 * first, then Groups, paged across both. A filter that names an attribute one type does
 * not have leaves that type out (§3.4.2: the root query's results may be of any type);
 * when no type can evaluate it, the answer is the Users' invalidFilter.
 */
import { ScimError } from '../../scim/errors.ts';
import { parseListParams } from '../../scim/list-query.ts';
import { listResponse } from '../../scim/list-response.ts';
import type { ScimContext, ScimRequest, ScimResult } from './context.ts';
import { listGroups } from './groups.ts';
import { listUserDocs } from './users.ts';

interface Part {
  total: number;
  resources: unknown[];
}

type Lister = (ctx: ScimContext, req: ScimRequest) => Promise<ScimResult>;

async function part(ctx: ScimContext, req: ScimRequest, list: Lister, startIndex: number, count: number) {
  try {
    const result = await list(ctx, { ...req, query: { ...req.query, startIndex, count } });
    const body = result.body as { totalResults: number; Resources: unknown[] };
    return { total: body.totalResults, resources: body.Resources } satisfies Part;
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'invalidFilter') return error;
    throw error;
  }
}

export async function searchAll(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  // Validates the parameters once, so that a malformed filter fails here for both types.
  const params = parseListParams(req.query, { maxCount: ctx.maxPageSize, defaultCount: ctx.defaultPageSize });
  const users = await part(ctx, req, listUserDocs, params.startIndex, params.count);
  const usersTotal = users instanceof ScimError ? 0 : users.total;
  const userResources = users instanceof ScimError ? [] : users.resources;
  const remaining = params.count - userResources.length;
  const groupStart = Math.max(1, params.startIndex - usersTotal);
  const groups = await part(ctx, req, listGroups, groupStart, remaining);
  if (users instanceof ScimError && groups instanceof ScimError) throw users;
  const groupsTotal = groups instanceof ScimError ? 0 : groups.total;
  const groupResources = groups instanceof ScimError ? [] : groups.resources;
  return {
    status: 200,
    body: listResponse([...userResources, ...groupResources], usersTotal + groupsTotal, params.startIndex),
  };
}
