/** The /Groups endpoints (RFC 7644 §3.3–§3.6), as framework-free handlers. */
import { type GroupInput, membersAddedBy } from '../../account/client.ts';
import type { Group, GroupMemberRef } from '../../account/model.ts';
import { parseListParams } from '../../scim/list-query.ts';
import { listResponse } from '../../scim/list-response.ts';
import { applyPatch } from '../../scim/patch/apply-patch.ts';
import { planGroupPatch, readMemberIds } from '../../scim/patch/group-patch-plan.ts';
import { parsePatchRequest } from '../../scim/patch/patch-request.ts';
import { compileProjection } from '../../scim/projection.ts';
import { GROUP_RESOURCE_TYPE } from '../../scim/schemas/resource-types.ts';
import { normalizeResource } from '../../scim/validate.ts';
import type { ScimContext, ScimRequest, ScimResult } from './context.ts';
import { toGroupInput, toScimGroup } from './group-mapping.ts';
import { expectedVersionFor, notModified, withVersionRetry } from './preconditions.ts';
import { type ProjectionParams, projectionFor, wantsAttribute } from './projection-params.ts';

const RT = GROUP_RESOURCE_TYPE;
const MEMBER_PAGE = 1000;

/** Every member of a group, read by keyset pages. */
async function allMembers(ctx: ScimContext, groupId: string): Promise<GroupMemberRef[]> {
  const members: GroupMemberRef[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await ctx.client.listGroupMembers(groupId, { afterMemberId: after, limit: MEMBER_PAGE });
    members.push(...page);
    if (page.length < MEMBER_PAGE) return members;
    after = page[page.length - 1]!.id;
  }
}

async function render(ctx: ScimContext, group: Group, params: ProjectionParams): Promise<ScimResult> {
  // Entra reads groups with excludedAttributes=members: then no member is read at all.
  const members = wantsAttribute(params, 'members') ? await allMembers(ctx, group.id) : undefined;
  const doc = toScimGroup(group, members, ctx.baseUrl);
  return {
    status: 200,
    body: compileProjection(RT, params)(doc),
    location: `${ctx.baseUrl}/Groups/${group.id}`,
    etag: (doc.meta as { version: string }).version,
  };
}

export async function createGroup(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  const doc = normalizeResource(req.body, RT);
  const memberIds = readMemberIds(doc.members, 'members');
  const group = await ctx.client.createGroup(toGroupInput(doc), memberIds);
  // The key pair and the first members' shares, in the same request (DESIGN.md, "the key chain").
  await ctx.groupKeys?.groupCreated(group.id, memberIds);
  return { ...(await render(ctx, group, projectionFor(req.query))), status: 201 };
}

export async function getGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const group = await ctx.client.getGroup(id);
  if (notModified(req.ifNoneMatch, group.version)) return { status: 304 };
  return render(ctx, group, projectionFor(req.query));
}

export async function listGroups(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  const params = parseListParams(req.query, { maxCount: ctx.maxPageSize, defaultCount: ctx.defaultPageSize });
  const page = await ctx.client.listGroups({
    filter: params.filter,
    startIndex: params.startIndex,
    count: params.count,
    sortBy: params.sortBy,
    descending: params.descending,
    managedOnly: true,
  });
  const project = compileProjection(RT, params);
  const withMembers = wantsAttribute(params, 'members');
  const resources: unknown[] = [];
  for (const group of page.items) {
    const members = withMembers ? await allMembers(ctx, group.id) : undefined;
    resources.push(project(toScimGroup(group, members, ctx.baseUrl)));
  }
  return { status: 200, body: listResponse(resources, page.total, params.startIndex) };
}

export async function replaceGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const doc = normalizeResource(req.body, RT);
  const input = toGroupInput(doc);
  const memberIds = readMemberIds(doc.members, 'members');
  const pinned = req.ifMatch !== undefined;
  const group = await withVersionRetry(ctx, `Groups/${id}`, pinned, async () => {
    const current = await ctx.client.getGroup(id);
    const expected = expectedVersionFor(req.ifMatch, current.version) ?? current.version;
    const renames = current.displayName !== input.displayName || current.externalId !== input.externalId;
    // One transaction: name and members land together; the name was decided against `current`, so applies to that version only.
    return ctx.client.changeGroupMembers(
      id,
      { replaceWith: memberIds },
      renames || pinned ? expected : undefined,
      renames ? input : undefined,
    );
  });
  await ctx.groupKeys?.shareWithMembers(id, memberIds);
  return render(ctx, group, projectionFor(req.query));
}

/** Membership operations apply id sets in one statement each, never loading the member list, so a PATCH costs the same at any group size. */
export async function patchGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const plan = planGroupPatch(parsePatchRequest(req.body));
  const { add, remove, replaceWith } = plan.membership;
  const changesMembers = add.length > 0 || remove.length > 0 || replaceWith !== undefined;
  const pinned = req.ifMatch !== undefined;
  // Membership only, no If-Match: the account checks the group while changing it, and such changes commute, so no read or turn-taking.
  const membershipOnly = plan.attributeOps.length === 0 && changesMembers && !pinned;
  const group = await withVersionRetry(ctx, membershipOnly ? undefined : `Groups/${id}`, pinned, async () => {
    if (membershipOnly) {
      return ctx.client.changeGroupMembers(id, plan.membership, undefined);
    }
    const current = await ctx.client.getGroup(id);
    const expected = expectedVersionFor(req.ifMatch, current.version) ?? current.version;
    let attributes: GroupInput | undefined;
    if (plan.attributeOps.length > 0) {
      const patched = applyPatch(toScimGroup(current, undefined, ctx.baseUrl), plan.attributeOps, RT);
      if (patched.changed) attributes = toGroupInput(patched.resource);
    }
    if (!changesMembers) {
      return attributes === undefined ? current : ctx.client.updateGroup(id, attributes, expected);
    }
    // A PATCH is atomic (RFC 7644 §3.5.2); membership-only changes commute, so concurrent PATCHes without If-Match (Entra) all land.
    return ctx.client.changeGroupMembers(
      id,
      plan.membership,
      attributes !== undefined || pinned ? expected : undefined,
      attributes,
    );
  });
  // Confirmed members who joined get the group's key at once; pending ones get it when confirmed.
  if (changesMembers) await ctx.groupKeys?.shareWithMembers(id, membersAddedBy(plan.membership));
  const projection = projectionFor(req.query);
  // No attribute selection: 204 (RFC 7644 §3.5.2), so a 50,000-member group is not sent back for every change.
  if (projection.attributes === undefined && projection.excludedAttributes === undefined) {
    return { status: 204, etag: `W/"${group.version}"` };
  }
  return render(ctx, group, projection);
}

export async function deleteGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const current = await ctx.client.getGroup(id);
  expectedVersionFor(req.ifMatch, current.version);
  await ctx.client.deleteGroup(id);
  return { status: 204 };
}
