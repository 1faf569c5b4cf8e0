/** The client's side of the account API route table: per method, how arguments fill the request, whether a resend is safe, and how the answer maps. */

import { API_ROUTES, type BodyOf, type EndpointName } from '../../account/api/route-table.ts';
import {
  type AccountClient,
  type GroupKeyInfo,
  type MemberView,
  type MissingKeyShare,
  membersAddedBy,
  type PendingConfirmation,
} from '../../account/client.ts';
import { ListedMember } from '../../account/list-members.ts';
import type { Group, GroupMemberRef } from '../../account/model.ts';
import type { GroupsOfMembersOptions, Page, StoredMember } from '../../account/store.ts';
import type { RecentAnswers } from './recent-answers.ts';

type Method = keyof AccountClient & EndpointName;
type Args<K extends Method> = Parameters<AccountClient[K]>;
type Result<K extends Method> = Awaited<ReturnType<AccountClient[K]>>;
/** A body as the client may build it: lists from its arguments may be read-only. */
type Sendable<T> = T extends readonly (infer U)[]
  ? readonly Sendable<U>[]
  : T extends object
    ? { [P in keyof T]: Sendable<T[P]> }
    : T;
export type GroupRefs = Array<{ id: string; displayName: string; managed: boolean }>;
type WirePage = Page<MemberView | StoredMember> & { groups?: Record<string, GroupRefs> };

/** What entries may consult besides their arguments. */
export interface MethodContext {
  /** Groups that came along with member answers (`?include=groups`), for `groupsOfMembers`. */
  recentGroups: RecentAnswers<GroupRefs>;
  /** Key shares that came along with membership changes, for `findMissingKeyShares`. */
  recentMissingShares: RecentAnswers<MissingKeyShare[]>;
  /** Whether the account accepted a call under `keyId` within the last second. */
  confirmed(keyId: string): boolean;
  /** The client itself, for an entry that needs a follow-up call. */
  client: AccountClient;
}

export interface Route<K extends Method> {
  id?: (...args: Args<K>) => string;
  query?: string | ((...args: Args<K>) => string);
  body?: (...args: Args<K>) => Sendable<BodyOf<K>>;
  /** Safe to send again when the answer was lost (reads; writes that find their work done). */
  idempotent: boolean | ((...args: Args<K>) => boolean);
  /** Answered without a call (from what came along with an earlier one), when it can be. */
  known?: (context: MethodContext, ...args: Args<K>) => { value: Result<K> } | undefined;
  /** The result from the answer's body; the body itself when absent. */
  answer?: (body: never, context: MethodContext, ...args: Args<K>) => Result<K> | Promise<Result<K>>;
}

export type Call = (method: string, path: string, body: unknown, idempotent: boolean) => Promise<unknown>;

const sharesKey = (groupId: string, memberIds: Iterable<string>) =>
  `${groupId}|${[...new Set(memberIds)].join(',')}`;

/** Member calls include the members' groups, so the `groupsOfMembers` that nearly always follows needs no round trip. */
function memberWithGroups(
  { groups, ...member }: MemberView & { groups?: GroupRefs },
  context: MethodContext,
): MemberView {
  if (groups) context.recentGroups.put(member.id, groups);
  return member;
}
const nothing = () => undefined;

function groupsByMember(
  entries: Array<[string, GroupRefs]>,
  options: GroupsOfMembersOptions | undefined,
): Map<string, GroupRefs> {
  if (!options?.managedOnly) return new Map(entries);
  const managed = new Map<string, GroupRefs>();
  for (const [memberId, groups] of entries) {
    const shown = groups.filter((group) => group.managed);
    if (shown.length > 0) managed.set(memberId, shown);
  }
  return managed;
}

export const ROUTES: { [K in Method]: Route<K> } = {
  checkProvisioning: {
    body: (keyId) => ({ keyId }),
    idempotent: true,
    known: (context, keyId) => (context.confirmed(keyId) ? { value: undefined } : undefined),
    answer: nothing,
  },

  createMember: {
    query: 'include=groups',
    body: (input) => ({ input }),
    idempotent: false,
    answer: memberWithGroups,
  },
  getMember: {
    id: (memberId) => memberId,
    query: 'include=groups',
    idempotent: true,
    answer: memberWithGroups,
  },
  // Profiles as their stored text: a page of SCIM users copies them in without parsing (user-json.ts).
  listMembers: {
    query: 'include=groups&profiles=text',
    body: (query) => ({ query }),
    idempotent: true,
    answer: ({ groups, total, items }: WirePage, context) => {
      if (groups)
        for (const [memberId, refs] of Object.entries(groups)) context.recentGroups.put(memberId, refs);
      // An account before `?profiles=text` sends profiles as objects.
      return {
        total,
        items: items.map((item) => ('profileJson' in item ? new ListedMember(item) : item)),
      };
    },
  },
  updateMember: {
    id: (memberId) => memberId,
    query: 'include=groups',
    body: (_, input, expectedVersion) => ({ input, expectedVersion }),
    idempotent: false,
    answer: memberWithGroups,
  },
  // Retryable without a pinned version (a repeat writes nothing); with one, a repeat would fail as a mismatch.
  setMemberActive: {
    id: (memberId) => memberId,
    query: 'include=groups',
    body: (_, active, expectedVersion) => ({ active, expectedVersion }),
    idempotent: (_, __, expectedVersion) => expectedVersion === undefined,
    answer: memberWithGroups,
  },
  deleteMember: {
    id: (memberId) => memberId,
    idempotent: false,
    answer: nothing,
  },
  // The account API answers every group; `managedOnly` is kept here.
  groupsOfMembers: {
    body: (memberIds) => ({ memberIds }),
    idempotent: true,
    known: (context, memberIds, options) => {
      const known = context.recentGroups.take(memberIds);
      return (
        known && {
          value: groupsByMember(
            memberIds.map((memberId, i) => [memberId, known[i]!]),
            options,
          ),
        }
      );
    },
    answer: (result: { groups: Record<string, GroupRefs> }, _, __, options) =>
      groupsByMember(Object.entries(result.groups), options),
  },

  createGroup: {
    body: (input, memberIds) => ({ input, memberIds }),
    idempotent: false,
  },
  getGroup: { id: (groupId) => groupId, idempotent: true },
  listGroups: {
    body: (query) => ({ query }),
    idempotent: true,
  },
  updateGroup: {
    id: (groupId) => groupId,
    body: (_, input, expectedVersion) => ({ input, expectedVersion }),
    idempotent: false,
  },
  changeGroupMembers: {
    id: (groupId) => groupId,
    query: 'include=missingKeyShares',
    body: (_, change, expectedVersion, attributes) => ({ change, expectedVersion, attributes }),
    idempotent: false,
    answer: (
      { missingKeyShares, ...group }: Group & { missingKeyShares?: MissingKeyShare[] },
      context,
      groupId,
      change,
      _,
      attributes,
    ) => {
      // Missing shares for newly added members came with this answer (`?include=missingKeyShares`).
      if (missingKeyShares) {
        context.recentMissingShares.put(sharesKey(groupId, membersAddedBy(change)), missingKeyShares);
      }
      // An account from before "attributes" ignores them: send them as their own call, not atomic but never lost.
      if (
        attributes !== undefined &&
        (group.displayName !== attributes.displayName || group.externalId !== attributes.externalId)
      ) {
        return context.client.updateGroup(groupId, attributes, group.version);
      }
      return group;
    },
  },
  listGroupMembers: {
    id: (groupId) => groupId,
    query: (_, page) => {
      const query = new URLSearchParams({ limit: String(page.limit) });
      if (page.afterMemberId !== undefined) query.set('after', page.afterMemberId);
      return String(query);
    },
    idempotent: true,
    answer: (result: { members: GroupMemberRef[] }) => result.members,
  },
  deleteGroup: {
    id: (groupId) => groupId,
    idempotent: false,
    answer: nothing,
  },

  // Key-chain calls are all safe to repeat (first pair wins, shares added once, confirmation version-checked).
  getGroupKeys: {
    body: (groupIds) => ({ groupIds }),
    idempotent: true,
    answer: (result: { keys: GroupKeyInfo[] }) => result.keys,
  },
  addGroupKeys: {
    body: (keys) => ({ keys }),
    idempotent: true,
    answer: (result: { keys: GroupKeyInfo[] }) => result.keys,
  },
  listProvisioningGroupKeys: {
    body: (page) => ({ page }),
    idempotent: true,
    answer: (result: { keys: GroupKeyInfo[] }) => result.keys,
  },
  resealGroupKeys: {
    body: (keys) => ({ keys }),
    idempotent: true,
    answer: (result: { replaced: number }) => result.replaced,
  },
  findMissingKeyShares: {
    body: (query) => ({ query }),
    idempotent: true,
    known: (context, query) => {
      const known =
        'groupId' in query
          ? context.recentMissingShares.take([sharesKey(query.groupId, query.memberIds)])
          : undefined;
      return known && { value: known[0]! };
    },
    answer: (result: { missing: MissingKeyShare[] }) => result.missing,
  },
  addKeyShares: {
    body: (shares) => ({ shares }),
    idempotent: true,
    answer: (result: { added: number }) => result.added,
  },
  listPendingConfirmations: {
    body: (page) => ({ page }),
    idempotent: true,
    answer: (result: { pending: PendingConfirmation[] }) => result.pending,
  },
  confirmMember: {
    body: (input) => ({ input }),
    idempotent: true,
  },
  signUpCounter: {
    idempotent: true,
    answer: (result: { count: number }) => result.count,
  },
  // The token goes in the body, never a logged path/query. Not retried: three tries through a stalled account would hold /health for half a minute.
  checkMonitoringToken: {
    body: (token) => ({ token }),
    idempotent: false,
    answer: (result: { valid: boolean }) => result.valid === true,
  },
  // Not sent again: a lost batch of the request log is lost (bridge/request-log.ts).
  recordScimRequests: {
    body: (records) => ({ records }),
    idempotent: false,
    answer: (result: { stored: number }) => result.stored,
  },
};

/** The table's routes loosened to one shape, for binding. */
interface AnyRoute {
  id?: (...args: unknown[]) => string;
  query?: string | ((...args: unknown[]) => string);
  body?: (...args: unknown[]) => unknown;
  idempotent: boolean | ((...args: unknown[]) => boolean);
  known?: (context: MethodContext, ...args: unknown[]) => { value: unknown } | undefined;
  answer?: (body: unknown, context: MethodContext, ...args: unknown[]) => unknown;
}

/** The client: each method sends its entry's request through `call` and maps the answer. */
export function bindMethods(call: Call, context: Omit<MethodContext, 'client'>): AccountClient {
  const client: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  const full: MethodContext = { ...context, client: client as unknown as AccountClient };
  for (const [name, entry] of Object.entries(ROUTES)) {
    const route = entry as unknown as AnyRoute;
    const { method, path } = API_ROUTES[name as Method];
    // The path split once at its `:id`: a call only joins the encoded id in.
    const [head, tail = ''] = path.split(':id');
    const query = route.query;
    const pathOf = (args: unknown[]) => {
      const filled = route.id ? `${head}${encodeURIComponent(route.id(...args))}${tail}` : path;
      if (query === undefined) return filled;
      return `${filled}?${typeof query === 'string' ? query : query(...args)}`;
    };
    client[name] = async (...args) => {
      const known = route.known?.(full, ...args);
      if (known) return known.value;
      const idempotent = typeof route.idempotent === 'boolean' ? route.idempotent : route.idempotent(...args);
      const body = await call(method, pathOf(args), route.body?.(...args), idempotent);
      return route.answer ? route.answer(body, full, ...args) : body;
    };
  }
  return full.client;
}
