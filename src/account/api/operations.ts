/** Shared by routes, `/batch` calls and channel messages; handlers use the one-process `AccountClient`. */
import type { Logger } from 'pino';
import Type from 'typebox';
import { type AccountClient, type MemberView, membersAddedBy } from '../client.ts';
import type { AccountDeps } from '../deps.ts';
import { listMembersAsStored } from '../list-members.ts';
import { memberViewOf, storedMemberPageJson } from './member-json.ts';
import { KEY_CHAIN_CALL_BATCH } from './protocol.ts';
import { API_ROUTES, type BodyOf, type EndpointName, type HttpMethod } from './route-table.ts';
import { IdList } from './schemas.ts';
import { ApiRequestError, checkerOf, groupListQueryOf, memberListQueryOf } from './validation.ts';

export type Query = Record<string, string | undefined>;

export type OperationResult =
  | { status: number; body?: unknown; json?: undefined }
  | { status: number; json: string; body?: undefined };

type Handler<K extends EndpointName> = (input: {
  params: Record<string, string>;
  query: Query;
  body: BodyOf<K>;
}) => Promise<OperationResult>;

export type OperationName = Exclude<EndpointName, 'signInChallenge' | 'signIn' | 'batch' | 'openChannel'>;

export interface Operation {
  name: OperationName;
  method: HttpMethod;
  path: string;
  pattern: RegExp;
  names: string[];
  checkBody(body: unknown): void;
  handle(input: { params: Record<string, string>; query: Query; body: unknown }): Promise<OperationResult>;
}

/** `id`, required by every route with `:id`: fastify and `findOperation` always fill it. */
const idOf = (params: Record<string, string>) => params.id as string;

export function createOperations(deps: AccountDeps, client: AccountClient, logger: Logger): Operation[] {
  /** `?include=groups` saves the bridge a round trip for almost every member. */
  const withGroups = async (query: Query, member: MemberView) => {
    const view = memberViewOf(member);
    if (query.include !== 'groups') return view;
    const groups = await client.groupsOfMembers([member.id]);
    return { ...view, groups: groups.get(member.id) ?? [] };
  };

  const handlers: { [K in OperationName]: Handler<K> } = {
    checkProvisioning: async ({ body }) => {
      await client.checkProvisioning(body.keyId);
      return { status: 204 };
    },
    createMember: async ({ body, query }) => ({
      status: 201,
      body: await withGroups(query, await client.createMember(body.input)),
    }),
    // Bypasses `client` to splice stored profile text: re-parsing was a top cost of a page.
    listMembers: async ({ body, query }) => {
      const page = await listMembersAsStored(deps, memberListQueryOf(body.query));
      const asText = query.profiles === 'text';
      if (query.include !== 'groups' || page.items.length === 0) {
        return { status: 200, json: storedMemberPageJson(page, undefined, asText) };
      }
      const groups = await client.groupsOfMembers(page.items.map((member) => member.id));
      return { status: 200, json: storedMemberPageJson(page, groups, asText) };
    },
    groupsOfMembers: async ({ body }) => {
      const groups = await client.groupsOfMembers(body.memberIds);
      return { status: 200, body: { groups: Object.fromEntries(groups) } };
    },
    getMember: async ({ params, query }) => ({
      status: 200,
      body: await withGroups(query, await client.getMember(idOf(params))),
    }),
    updateMember: async ({ params, query, body }) => {
      const member = await client.updateMember(idOf(params), body.input, body.expectedVersion ?? undefined);
      return { status: 200, body: await withGroups(query, member) };
    },
    setMemberActive: async ({ params, query, body }) => {
      const member = await client.setMemberActive(
        idOf(params),
        body.active,
        body.expectedVersion ?? undefined,
      );
      return { status: 200, body: await withGroups(query, member) };
    },
    deleteMember: async ({ params }) => {
      await client.deleteMember(idOf(params));
      return { status: 204 };
    },
    createGroup: async ({ body }) => ({
      status: 201,
      body: await client.createGroup(body.input, body.memberIds ?? []),
    }),
    listGroups: async ({ body }) => ({
      status: 200,
      body: await client.listGroups(groupListQueryOf(body.query)),
    }),
    getGroup: async ({ params }) => ({ status: 200, body: await client.getGroup(idOf(params)) }),
    updateGroup: async ({ params, body }) => ({
      status: 200,
      body: await client.updateGroup(idOf(params), body.input, body.expectedVersion ?? undefined),
    }),
    /** `?include=missingKeyShares` saves the round trip the bridge makes after every change. */
    changeGroupMembers: async ({ params, query, body }) => {
      const { change, attributes } = body;
      const group = await client.changeGroupMembers(
        idOf(params),
        change,
        body.expectedVersion ?? undefined,
        attributes,
      );
      const added = membersAddedBy(change);
      if (query.include !== 'missingKeyShares' || added.length > KEY_CHAIN_CALL_BATCH) {
        return { status: 200, body: group };
      }
      // The change is made: a failure here must not turn its answer into an error.
      const missingKeyShares =
        added.length === 0
          ? []
          : await client
              .findMissingKeyShares({ groupId: group.id, memberIds: added })
              .catch((error: unknown) => {
                logger.warn({ err: error, groupId: group.id }, 'missing key shares not looked up');
                return undefined;
              });
      return { status: 200, body: missingKeyShares ? { ...group, missingKeyShares } : group };
    },
    listGroupMembers: async ({ params, query }) => {
      const limit = Number(query.limit ?? '100');
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new ApiRequestError('"limit" must be a whole number from 1 to 10000');
      }
      const after = query.after;
      const members = await client.listGroupMembers(
        idOf(params),
        after ? { afterMemberId: after, limit } : { limit },
      );
      return { status: 200, body: { members } };
    },
    deleteGroup: async ({ params }) => {
      await client.deleteGroup(idOf(params));
      return { status: 204 };
    },

    getGroupKeys: async ({ body }) => ({
      status: 200,
      body: { keys: await client.getGroupKeys(body.groupIds) },
    }),
    addGroupKeys: async ({ body }) => ({ status: 200, body: { keys: await client.addGroupKeys(body.keys) } }),
    listProvisioningGroupKeys: async ({ body }) => ({
      status: 200,
      body: { keys: await client.listProvisioningGroupKeys(body.page) },
    }),
    resealGroupKeys: async ({ body }) => ({
      status: 200,
      body: { replaced: await client.resealGroupKeys(body.keys) },
    }),
    findMissingKeyShares: async ({ body }) => {
      const query = body.query;
      if ('groupId' in query) checkerOf(MEMBER_IDS, '"query"')(query);
      return { status: 200, body: { missing: await client.findMissingKeyShares(query) } };
    },
    addKeyShares: async ({ body }) => ({
      status: 200,
      body: { added: await client.addKeyShares(body.shares) },
    }),
    listPendingConfirmations: async ({ body }) => ({
      status: 200,
      body: { pending: await client.listPendingConfirmations(body.page) },
    }),
    confirmMember: async ({ body }) => ({ status: 200, body: await client.confirmMember(body.input) }),
    signUpCounter: async () => ({ status: 200, body: { count: await client.signUpCounter() } }),
    checkMonitoringToken: async ({ body }) => ({
      status: 200,
      body: { valid: await client.checkMonitoringToken(body.token) },
    }),
    recordScimRequests: async ({ body }) => ({
      status: 200,
      body: { stored: await client.recordScimRequests(body.records) },
    }),
  };

  return (Object.keys(handlers) as OperationName[]).map((name) => {
    const endpoint = API_ROUTES[name];
    const names: string[] = [];
    const pattern = new RegExp(
      `^${endpoint.path.replace(/:(\w+)/g, (_match, param: string) => {
        names.push(param);
        return '([^/?#]+)';
      })}$`,
    );
    const schema = 'body' in endpoint ? endpoint.body : undefined;
    const check = schema ? checkerOf(schema) : () => {};
    return {
      name,
      method: endpoint.method,
      path: endpoint.path,
      pattern,
      names,
      checkBody: check,
      handle: handlers[name] as Operation['handle'],
    };
  });
}

/** The form of `findMissingKeyShares` that names members, checked like a body (the sweep form is the use case's to check). */
const MEMBER_IDS = Type.Object(
  { groupId: Type.String(), memberIds: IdList },
  { additionalProperties: false },
);

/** Finds the operation a batch call names: `{method, path (with query), body}`, as its own request would. */
export function findOperation(
  operations: readonly Operation[],
  call: unknown,
): { operation: Operation; params: Record<string, string>; query: Query; body: unknown } {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    throw new ApiRequestError('a call must be a JSON object');
  }
  const { method, path, body } = call as { method?: unknown; path?: unknown; body?: unknown };
  if (typeof method !== 'string' || typeof path !== 'string' || path.length > 2048) {
    throw new ApiRequestError('a call needs "method" and "path"');
  }
  const [pathname = '', search = ''] = path.split('?', 2);
  for (const operation of operations) {
    if (operation.method !== method) continue;
    const match = operation.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    try {
      operation.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1]!);
      });
    } catch {
      throw new ApiRequestError("a call's path is not properly encoded");
    }
    const query: Query = Object.fromEntries(new URLSearchParams(search));
    operation.checkBody(body);
    return { operation, params, query, body };
  }
  throw new ApiRequestError(`no such API operation: ${method.slice(0, 10)} ${pathname.slice(0, 100)}`);
}
