/**
 * The account API as a table: each `AccountClient` method is one entry saying its request
 * (method, path, body), whether it is safe to send again after a lost answer, and how its
 * answer becomes the method's result. `bindMethods` turns the table into the client.
 */
import {
  type AccountClient,
  type GroupKeyInfo,
  type MemberView,
  type MissingKeyShare,
  membersAddedBy,
  type PendingConfirmation,
} from '../../account/client.ts';
import type { Group, GroupMemberRef } from '../../account/model.ts';
import type { Page } from '../../account/store.ts';
import type { RecentAnswers } from './recent-answers.ts';

type Method = keyof AccountClient;
type Args<K extends Method> = Parameters<AccountClient[K]>;
type Result<K extends Method> = Awaited<ReturnType<AccountClient[K]>>;
export type GroupRefs = Array<{ id: string; displayName: string; managed: boolean }>;

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
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: (...args: Args<K>) => string;
  body?: (...args: Args<K>) => unknown;
  /** Safe to send again when the answer was lost (reads; writes that find their work done). */
  idempotent: boolean | ((...args: Args<K>) => boolean);
  /** Answered without a call (from what came along with an earlier one), when it can be. */
  known?: (context: MethodContext, ...args: Args<K>) => { value: Result<K> } | undefined;
  /** The result from the answer's body; the body itself when absent. */
  answer?: (body: never, context: MethodContext, ...args: Args<K>) => Result<K> | Promise<Result<K>>;
}

export type Call = (method: string, path: string, body: unknown, idempotent: boolean) => Promise<unknown>;

const id = (value: string) => encodeURIComponent(value);
const sharesKey = (groupId: string, memberIds: Iterable<string>) =>
  `${groupId}|${[...new Set(memberIds)].join(',')}`;

/**
 * Member calls ask for the members' groups in the same answer (`?include=groups`): the
 * bridge renders almost every member it reads, so its `groupsOfMembers` right after is
 * served from here instead of a second round trip.
 */
function memberWithGroups(
  { groups, ...member }: MemberView & { groups?: GroupRefs },
  context: MethodContext,
): MemberView {
  if (groups) context.recentGroups.put(member.id, groups);
  return member;
}
const nothing = () => undefined;

export const ROUTES: { [K in Method]: Route<K> } = {
  checkProvisioning: {
    method: 'POST',
    path: () => '/provisioning/check',
    body: (keyId) => ({ keyId }),
    idempotent: true,
    known: (context, keyId) => (context.confirmed(keyId) ? { value: undefined } : undefined),
    answer: nothing,
  },

  createMember: {
    method: 'POST',
    path: () => '/members?include=groups',
    body: (input) => ({ input }),
    idempotent: false,
    answer: memberWithGroups,
  },
  getMember: {
    method: 'GET',
    path: (memberId) => `/members/${id(memberId)}?include=groups`,
    idempotent: true,
    answer: memberWithGroups,
  },
  listMembers: {
    method: 'POST',
    path: () => '/members/search?include=groups',
    body: (query) => ({ query }),
    idempotent: true,
    answer: ({ groups, ...page }: Page<MemberView> & { groups?: Record<string, GroupRefs> }, context) => {
      if (groups)
        for (const [memberId, refs] of Object.entries(groups)) context.recentGroups.put(memberId, refs);
      return page;
    },
  },
  updateMember: {
    method: 'PUT',
    path: (memberId) => `/members/${id(memberId)}?include=groups`,
    body: (_, input, expectedVersion) => ({ input, expectedVersion }),
    idempotent: false,
    answer: memberWithGroups,
  },
  // Retried like a read when no version is pinned: a repeat of a call whose answer was lost
  // finds the value already set and writes nothing. With a version it is a write: the
  // repeat would find the version it bumped itself and be refused as a mismatch.
  setMemberActive: {
    method: 'POST',
    path: (memberId) => `/members/${id(memberId)}/active?include=groups`,
    body: (_, active, expectedVersion) => ({ active, expectedVersion }),
    idempotent: (_, __, expectedVersion) => expectedVersion === undefined,
    answer: memberWithGroups,
  },
  deleteMember: {
    method: 'DELETE',
    path: (memberId) => `/members/${id(memberId)}`,
    idempotent: false,
    answer: nothing,
  },
  groupsOfMembers: {
    method: 'POST',
    path: () => '/members/groups',
    body: (memberIds) => ({ memberIds }),
    idempotent: true,
    known: (context, memberIds) => {
      const known = context.recentGroups.take(memberIds);
      return known && { value: new Map(memberIds.map((memberId, i) => [memberId, known[i]!])) };
    },
    answer: (result: { groups: Record<string, GroupRefs> }) => new Map(Object.entries(result.groups)),
  },

  createGroup: {
    method: 'POST',
    path: () => '/groups',
    body: (input, memberIds) => ({ input, memberIds }),
    idempotent: false,
  },
  getGroup: { method: 'GET', path: (groupId) => `/groups/${id(groupId)}`, idempotent: true },
  listGroups: {
    method: 'POST',
    path: () => '/groups/search',
    body: (query) => ({ query }),
    idempotent: true,
  },
  updateGroup: {
    method: 'PUT',
    path: (groupId) => `/groups/${id(groupId)}`,
    body: (_, input, expectedVersion) => ({ input, expectedVersion }),
    idempotent: false,
  },
  changeGroupMembers: {
    method: 'POST',
    path: (groupId) => `/groups/${id(groupId)}/membership?include=missingKeyShares`,
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
      // The bridge shares the group's key with the members a change added right after it:
      // their missing shares came with this answer (`?include=missingKeyShares`).
      if (missingKeyShares) {
        context.recentMissingShares.put(sharesKey(groupId, membersAddedBy(change)), missingKeyShares);
      }
      // An account from before "attributes" ignores them (it reads only what it knows): the
      // group comes back with its old name. Then the new attributes go as their own call, as
      // they did with such an account before — not atomic there, but never silently lost.
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
    method: 'GET',
    path: (groupId, page) => {
      const query = new URLSearchParams({ limit: String(page.limit) });
      if (page.afterMemberId !== undefined) query.set('after', page.afterMemberId);
      return `/groups/${id(groupId)}/members?${query}`;
    },
    idempotent: true,
    answer: (result: { members: GroupMemberRef[] }) => result.members,
  },
  deleteGroup: {
    method: 'DELETE',
    path: (groupId) => `/groups/${id(groupId)}`,
    idempotent: false,
    answer: nothing,
  },

  // The key chain: every one of these is safe to repeat (first key pair wins, shares are
  // added once, confirmation is version-checked), so all may be retried.
  getGroupKeys: {
    method: 'POST',
    path: () => '/group-keys/lookup',
    body: (groupIds) => ({ groupIds }),
    idempotent: true,
    answer: (result: { keys: GroupKeyInfo[] }) => result.keys,
  },
  addGroupKeys: {
    method: 'POST',
    path: () => '/group-keys',
    body: (keys) => ({ keys }),
    idempotent: true,
    answer: (result: { keys: GroupKeyInfo[] }) => result.keys,
  },
  listProvisioningGroupKeys: {
    method: 'POST',
    path: () => '/group-keys/provisioning',
    body: (page) => ({ page }),
    idempotent: true,
    answer: (result: { keys: GroupKeyInfo[] }) => result.keys,
  },
  resealGroupKeys: {
    method: 'POST',
    path: () => '/group-keys/reseal',
    body: (keys) => ({ keys }),
    idempotent: true,
    answer: (result: { replaced: number }) => result.replaced,
  },
  findMissingKeyShares: {
    method: 'POST',
    path: () => '/key-shares/missing',
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
    method: 'POST',
    path: () => '/key-shares',
    body: (shares) => ({ shares }),
    idempotent: true,
    answer: (result: { added: number }) => result.added,
  },
  listPendingConfirmations: {
    method: 'POST',
    path: () => '/confirmations/pending',
    body: (page) => ({ page }),
    idempotent: true,
    answer: (result: { pending: PendingConfirmation[] }) => result.pending,
  },
  confirmMember: {
    method: 'POST',
    path: () => '/confirmations',
    body: (input) => ({ input }),
    idempotent: true,
  },
  signUpCounter: {
    method: 'GET',
    path: () => '/sign-ups/count',
    idempotent: true,
    answer: (result: { count: number }) => result.count,
  },
  // The token travels in the body only, never in a path or query that a log might keep. A
  // read, but not retried after a timeout: a scraper waits on the answer, and asking three
  // times through a stalled account would hold /health for half a minute.
  checkMonitoringToken: {
    method: 'POST',
    path: () => '/monitoring-tokens/check',
    body: (token) => ({ token }),
    idempotent: false,
    answer: (result: { valid: boolean }) => result.valid === true,
  },
  // Not sent again: a lost batch of the request log is lost (bridge/request-log.ts).
  recordScimRequests: {
    method: 'POST',
    path: () => '/scim-requests',
    body: (records) => ({ records }),
    idempotent: false,
    answer: (result: { stored: number }) => result.stored,
  },
};

/** The table's routes loosened to one shape, for binding. */
interface AnyRoute {
  method: string;
  path: (...args: unknown[]) => string;
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
    client[name] = async (...args) => {
      const known = route.known?.(full, ...args);
      if (known) return known.value;
      const idempotent = typeof route.idempotent === 'boolean' ? route.idempotent : route.idempotent(...args);
      const body = await call(route.method, route.path(...args), route.body?.(...args), idempotent);
      return route.answer ? route.answer(body, full, ...args) : body;
    };
  }
  return full.client;
}
