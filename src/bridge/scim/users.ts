/** The /Users endpoints (RFC 7644 §3.3–§3.6), as framework-free handlers. */
import type { MemberView } from '../../account/client.ts';
import { parseListParams } from '../../scim/list-query.ts';
import { listResponse, listResponseJson } from '../../scim/list-response.ts';
import { planActiveOnlyPatch } from '../../scim/patch/active-patch-plan.ts';
import { applyPatch } from '../../scim/patch/apply-patch.ts';
import { parsePatchRequest } from '../../scim/patch/patch-request.ts';
import { replaceResource } from '../../scim/patch/replace.ts';
import { compileProjection, namesPlainProjectionChanges } from '../../scim/projection.ts';
import { USER_RESOURCE_TYPE } from '../../scim/schemas/resource-types.ts';
import { normalizeResource } from '../../scim/validate.ts';
import type { ScimContext, ScimRequest, ScimResult } from './context.ts';
import {
  asStaleIfMatch,
  expectedVersionFor,
  notModified,
  singleExpectedVersion,
  withVersionRetry,
} from './preconditions.ts';
import { hasProjection, projectionFor, wantsAttribute } from './projection-params.ts';
import { UserJsonWriter } from './user-json.ts';
import { accountEmails, storedUser, toMemberInput, toScimUser, withUserNameAsEmail } from './user-mapping.ts';

const RT = USER_RESOURCE_TYPE;
/** SCIM shows only the groups the IdP manages (see `groupsFor`). */
const MANAGED_ONLY = { managedOnly: true } as const;

/** What a User PUT keeps when omitted (RFC 7644 §3.5.1): `active`, so omission cannot revive a suspended member (P14), and `externalId` (P9), which Okta omits from profile PUTs. */
const KEPT_BY_PUT: ReadonlySet<string> = new Set(['active', 'externalId']);

async function render(ctx: ScimContext, member: MemberView): Promise<Record<string, unknown>> {
  const groups = await ctx.client.groupsOfMembers([member.id], MANAGED_ONLY);
  return toScimUser(member, groupsFor(groups, member.id), ctx.baseUrl);
}

function groupsFor(
  groups: Map<string, Array<{ id: string; displayName: string; managed: boolean }>>,
  memberId: string,
): Array<{ id: string; displayName: string }> {
  return (groups.get(memberId) ?? []).filter((group) => group.managed);
}

function answer(
  status: number,
  ctx: ScimContext,
  doc: Record<string, unknown>,
  member: MemberView,
  req: ScimRequest,
) {
  const project = compileProjection(RT, projectionFor(req.query));
  return {
    status,
    body: project(doc),
    location: `${ctx.baseUrl}/Users/${member.id}`,
    etag: (doc.meta as { version: string }).version,
  } satisfies ScimResult;
}

export async function createUser(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  const input = toMemberInput(normalizeResource(withUserNameAsEmail(req.body), RT));
  const member = await ctx.client.createMember(input);
  return answer(201, ctx, await render(ctx, member), member, req);
}

export async function getUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const member = await ctx.client.getMember(id);
  if (notModified(req.ifNoneMatch, member.version)) return { status: 304 };
  return answer(200, ctx, await render(ctx, member), member, req);
}

export function listUsers(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  return listUsersAs(ctx, req, true);
}

/** `listUsers` with the body as objects, for a search that merges it with groups. */
export function listUserDocs(ctx: ScimContext, req: ScimRequest): Promise<ScimResult> {
  return listUsersAs(ctx, req, false);
}

async function listUsersAs(ctx: ScimContext, req: ScimRequest, asText: boolean): Promise<ScimResult> {
  const params = parseListParams(req.query, { maxCount: ctx.maxPageSize, defaultCount: ctx.defaultPageSize });
  const page = await ctx.client.listMembers({
    filter: params.filter,
    startIndex: params.startIndex,
    count: params.count,
    sortBy: params.sortBy,
    descending: params.descending,
    excludeScimDeleted: true,
  });
  const project = compileProjection(RT, params);
  // The read-only `groups` attribute costs one query per page; skip it when it is not asked for.
  const groups =
    page.items.length > 0 && wantsAttribute(params, 'groups')
      ? await ctx.client.groupsOfMembers(
          page.items.map((member) => member.id),
          MANAGED_ONLY,
        )
      : new Map();
  const asObject = (member: MemberView, memberGroups = groupsFor(groups, member.id)) =>
    project(toScimUser(member, memberGroups, ctx.baseUrl));
  if (!asText || hasProjection(params)) {
    return {
      status: 200,
      body: listResponse(
        page.items.map((member) => asObject(member)),
        page.total,
        params.startIndex,
      ),
    };
  }
  // Without a projection, stored profiles are copied into the answer as they are (user-json.ts).
  const writer = new UserJsonWriter(ctx.baseUrl, namesPlainProjectionChanges(RT));
  const texts = page.items.map((member) => {
    const memberGroups = groupsFor(groups, member.id);
    const text =
      member.profileJson === undefined ? undefined : writer.user(member, member.profileJson, memberGroups);
    return text ?? JSON.stringify(asObject(member, memberGroups));
  });
  return { status: 200, encoded: listResponseJson(texts, page.total, params.startIndex) };
}

export async function replaceUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const incoming = normalizeResource(req.body, RT, { keepNulls: true });
  const pinned = req.ifMatch !== undefined;
  const member = await withVersionRetry(ctx, `Users/${id}`, pinned, async () => {
    const current = await ctx.client.getMember(id);
    const expected = expectedVersionFor(req.ifMatch, current.version) ?? current.version;
    // Base is the stored User with the account's address: `emails` is required, and a new address goes through P13 acceptance.
    const base = storedUser(current, [], ctx.baseUrl);
    if (!Array.isArray(base.emails) || base.emails.length === 0) base.emails = accountEmails(current);
    const merged = replaceResource(base, incoming, RT, { keepWhenOmitted: KEPT_BY_PUT });
    return ctx.client.updateMember(id, toMemberInput(merged), expected);
  });
  return answer(200, ctx, await render(ctx, member), member, req);
}

/** The one-call plan, or undefined for read-patch-write; a bad `active` goes that way too, so 404/412 precede 400 (RFC 7644 §3.14 before §3.12). */
function activeOnlyPlan(operations: Parameters<typeof planActiveOnlyPatch>[0]) {
  try {
    return planActiveOnlyPatch(operations);
  } catch {
    return undefined;
  }
}

export async function patchUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const operations = parsePatchRequest(req.body);
  const pinned = req.ifMatch !== undefined;
  // Deprovisioning PATCHes need no copy of the user: the account sets the flag in one call.
  const activeOnly = activeOnlyPlan(operations);
  const version = activeOnly === undefined ? undefined : singleExpectedVersion(req.ifMatch);
  const member = await withVersionRetry(ctx, `Users/${id}`, pinned, async () => {
    if (activeOnly !== undefined && version !== undefined) {
      const { expected } = version;
      return ctx.client.setMemberActive(id, activeOnly.active, expected).catch((error: unknown) => {
        throw expected === undefined ? error : asStaleIfMatch(error);
      });
    }
    const current = await ctx.client.getMember(id);
    const expected = expectedVersionFor(req.ifMatch, current.version) ?? current.version;
    const patched = applyPatch(storedUser(current, [], ctx.baseUrl), operations, RT);
    // IdPs repeat PATCHes that change nothing; those write nothing.
    if (!patched.changed) return current;
    return ctx.client.updateMember(id, toMemberInput(patched.resource), expected);
  });
  return answer(200, ctx, await render(ctx, member), member, req);
}

export async function deleteUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResult> {
  const current = await ctx.client.getMember(id);
  expectedVersionFor(req.ifMatch, current.version);
  await ctx.client.deleteMember(id);
  return { status: 204 };
}
