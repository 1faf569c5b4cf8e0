/**
 * The account API, every endpoint once: method, path, who may call it, the request body and
 * query, and the answers. The server registers its routes from this table and validates
 * bodies with its schemas (`routes.ts`), the bridge's HTTP client derives each call's
 * method, path and types from it (`src/bridge/account-http/methods.ts`), and
 * `npm run openapi` writes docs/api/openapi.json from it (`openapi.ts`). Plain data, so the
 * bridge may import it.
 */
import Type, { type Static, type TSchema } from 'typebox';
import {
  BatchCall,
  BatchResult,
  ExpectedVersion,
  Group,
  GroupInput,
  GroupKeyInfo,
  GroupMemberRef,
  GroupPage,
  GroupRef,
  GroupWithMissingShares,
  IdList,
  KeyShare,
  ListQuery,
  MAX_ID_LENGTH,
  Member,
  MemberInput,
  MemberPage,
  MembershipChange,
  MissingKeyShare,
  NewGroupKey,
  PendingConfirmation,
} from './schemas.ts';

/** The most calls one `/batch` request or channel message may carry. */
export const MAX_BATCH = 100;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface QueryParameter {
  schema: TSchema;
  description?: string;
}

export interface Endpoint {
  method: HttpMethod;
  /** Below /api/v1, parameters as `:name`. */
  path: string;
  /** `session`: an API session token (the default); `sign-in`: the two sign-in steps, open to anyone past the firewall. */
  auth: 'session' | 'sign-in';
  summary?: string;
  description?: string;
  query?: Record<string, QueryParameter>;
  /** The JSON body, validated before the handler runs; none for GET and DELETE. */
  body?: TSchema;
  /** The batch endpoints check their calls themselves, each as its own request would be. */
  bodyCheckedByHandler?: true;
  /** Success answers by status; no schema means no body. */
  answers: Record<number, { description: string; schema?: TSchema }>;
  /** Error answers by status: the codes each may carry. */
  errors: Record<number, string>;
}

const obj = <P extends Record<string, TSchema>>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

const SESSION_ERRORS = {
  401: 'api_session_invalid; credentials_revoked',
  403: 'firewall_blocked; provisioning_disabled',
  400: 'invalid_request; scim_error',
};
const KEY_CHAIN_ERRORS = { ...SESSION_ERRORS, 400: 'invalid_request', 422: 'invalid_input' };
const SIGN_IN_ERRORS = {
  400: 'invalid_request; scim_error',
  403: 'firewall_blocked; provisioning_disabled',
  429: 'rate_limited: more than 30 sign-in requests (challenges and answers together) a minute from this address without a sign-in',
};
const includeGroups: Record<string, QueryParameter> = {
  include: {
    description: "groups: add the members' groups to the answer (saves a groupsOfMembers call).",
    schema: Type.Unsafe<'groups'>({ type: 'string', enum: ['groups'] }),
  },
};
const ok = <S extends TSchema>(schema: S, description = 'OK') => ({ 200: { description, schema } });
/** A keyset page of the key chain; its limit (1 to 1,000) is the use case's to check (422). */
const pageLimit = Type.Integer({ description: '1 to 1,000' });

export const API_ROUTES = {
  signInChallenge: {
    method: 'POST',
    path: '/sign-in/challenge',
    auth: 'sign-in',
    summary: 'Get a nonce to sign (valid 60 s, single use).',
    body: obj({ keyId: Type.String() }),
    answers: ok(
      obj({
        challengeId: Type.String(),
        nonce: Type.String(),
        expiresAt: Type.String(),
        serverTime: Type.String(),
      }),
    ),
    errors: {
      ...SIGN_IN_ERRORS,
      401: "sign_in_failed (not a key id); credentials_revoked (not the integration's current key: no challenge is stored)",
    },
  },
  signIn: {
    method: 'POST',
    path: '/sign-in',
    auth: 'sign-in',
    summary:
      'Answer the challenge: signature = Ed25519 over "scimbridge account API sign-in v1\\n<challengeId>\\n<keyId>\\n<nonce>", base64url.',
    body: obj({
      challengeId: Type.String({ maxLength: MAX_ID_LENGTH }),
      keyId: Type.String({ maxLength: MAX_ID_LENGTH }),
      signature: Type.String({ maxLength: MAX_ID_LENGTH }),
    }),
    answers: ok(
      obj({ sessionToken: Type.String(), expiresAt: Type.String(), expiresInSeconds: Type.Integer() }),
    ),
    errors: { ...SIGN_IN_ERRORS, 401: 'sign_in_failed; credentials_revoked' },
  },
  checkProvisioning: {
    method: 'POST',
    path: '/provisioning/check',
    auth: 'session',
    body: obj({ keyId: Type.String() }),
    answers: { 204: { description: 'provisioning is on and the key is current' } },
    errors: SESSION_ERRORS,
  },

  createMember: {
    method: 'POST',
    path: '/members',
    auth: 'session',
    query: includeGroups,
    body: obj({ input: MemberInput }),
    answers: { 201: { description: 'invited, or matched by e-mail', schema: Member } },
    errors: {
      ...SESSION_ERRORS,
      409: 'user_name_taken; email_taken',
      422: 'invalid_input; domain_not_allowed',
    },
  },
  listMembers: {
    method: 'POST',
    path: '/members/search',
    auth: 'session',
    query: {
      ...includeGroups,
      profiles: {
        description:
          "text: each member's profile as the JSON text stored, in `profileJson` (a string) instead of `profile` (saves a caller that copies profiles into its own JSON parsing them).",
        schema: Type.Unsafe<'text'>({ type: 'string', enum: ['text'] }),
      },
    },
    body: obj({ query: ListQuery }),
    answers: ok(MemberPage),
    errors: SESSION_ERRORS,
  },
  groupsOfMembers: {
    method: 'POST',
    path: '/members/groups',
    auth: 'session',
    body: obj({ memberIds: IdList }),
    answers: ok(
      obj({
        groups: Type.Unsafe<Record<string, Static<typeof GroupRef>[]>>({
          type: 'object',
          additionalProperties: Type.Array(GroupRef),
        }),
      }),
    ),
    errors: SESSION_ERRORS,
  },
  getMember: {
    method: 'GET',
    path: '/members/:id',
    auth: 'session',
    query: includeGroups,
    answers: ok(Member),
    errors: { ...SESSION_ERRORS, 404: 'member_not_found' },
  },
  updateMember: {
    method: 'PUT',
    path: '/members/:id',
    auth: 'session',
    query: includeGroups,
    body: obj({ input: MemberInput, expectedVersion: Type.Optional(ExpectedVersion) }),
    answers: ok(Member),
    errors: {
      ...SESSION_ERRORS,
      404: 'member_not_found',
      409: 'user_name_taken; email_taken',
      412: 'version_mismatch',
      422: 'invalid_input; domain_not_allowed',
    },
  },
  setMemberActive: {
    method: 'POST',
    path: '/members/:id/active',
    auth: 'session',
    description:
      'Deactivates or reactivates a member and changes nothing else: the effect of PUT /members/{id} with the member as stored and only active changed (suspension revokes open invitations; reactivating a member who never signed up sends a new invitation; reactivating after the identity provider changed the address while the member was suspended makes a new member). The value the member already has writes nothing and keeps the version. Without expectedVersion, a repeat finds the value already set and writes nothing (two identical calls at the same moment may still give one of them version_mismatch; read and retry).',
    query: includeGroups,
    body: obj({ active: Type.Boolean(), expectedVersion: Type.Optional(ExpectedVersion) }),
    answers: ok(Member),
    errors: {
      ...SESSION_ERRORS,
      400: 'invalid_request',
      403: 'member_protected; firewall_blocked; provisioning_disabled',
      404: 'member_not_found',
      409: 'email_taken or user_name_taken (a new member under an address or userName another member uses)',
      412: 'version_mismatch',
      422: 'domain_not_allowed (a new member under an address outside the allowed domains)',
    },
  },
  deleteMember: {
    method: 'DELETE',
    path: '/members/:id',
    auth: 'session',
    answers: { 204: { description: 'suspended and hidden from SCIM' } },
    errors: { ...SESSION_ERRORS, 404: 'member_not_found' },
  },

  createGroup: {
    method: 'POST',
    path: '/groups',
    auth: 'session',
    body: obj({ input: GroupInput, memberIds: Type.Optional(IdList) }),
    answers: { 201: { description: 'OK', schema: Group } },
    errors: { ...SESSION_ERRORS, 409: 'group_name_taken; group_not_managed' },
  },
  listGroups: {
    method: 'POST',
    path: '/groups/search',
    auth: 'session',
    body: obj({ query: ListQuery }),
    answers: ok(GroupPage),
    errors: SESSION_ERRORS,
  },
  getGroup: {
    method: 'GET',
    path: '/groups/:id',
    auth: 'session',
    answers: ok(Group),
    errors: { ...SESSION_ERRORS, 404: 'group_not_found' },
  },
  updateGroup: {
    method: 'PUT',
    path: '/groups/:id',
    auth: 'session',
    body: obj({ input: GroupInput, expectedVersion: Type.Optional(ExpectedVersion) }),
    answers: ok(Group),
    errors: { ...SESSION_ERRORS, 404: 'group_not_found', 409: 'group_name_taken', 412: 'version_mismatch' },
  },
  changeGroupMembers: {
    method: 'POST',
    path: '/groups/:id/membership',
    auth: 'session',
    description:
      'Adds, removes or replaces the group\'s members in one transaction. With "attributes" the group\'s displayName and externalId are set in the same transaction, so a SCIM request that renames the group and changes its members lands whole or not at all.',
    query: {
      include: {
        description:
          'missingKeyShares: add, for the members the change added (when they are at most 500), the key shares the group still lacks, as POST /key-shares/missing answers them (saves that call). Left out when the lookup failed; the change is made either way.',
        schema: Type.Unsafe<'missingKeyShares'>({ type: 'string', enum: ['missingKeyShares'] }),
      },
    },
    body: obj({
      change: MembershipChange,
      expectedVersion: Type.Optional(ExpectedVersion),
      attributes: Type.Optional(GroupInput),
    }),
    answers: ok(
      GroupWithMissingShares,
      'The group after the change; with include=missingKeyShares also the shares its new members lack',
    ),
    errors: { ...SESSION_ERRORS, 404: 'group_not_found; member_not_found', 412: 'version_mismatch' },
  },
  listGroupMembers: {
    method: 'GET',
    path: '/groups/:id/members',
    auth: 'session',
    query: {
      after: { schema: Type.String() },
      limit: { schema: Type.Integer({ minimum: 1, maximum: 10_000 }) },
    },
    answers: ok(obj({ members: Type.Array(GroupMemberRef) })),
    errors: { ...SESSION_ERRORS, 404: 'group_not_found' },
  },
  deleteGroup: {
    method: 'DELETE',
    path: '/groups/:id',
    auth: 'session',
    answers: { 204: { description: 'deleted' } },
    errors: { ...SESSION_ERRORS, 404: 'group_not_found' },
  },

  batch: {
    method: 'POST',
    path: '/batch',
    auth: 'session',
    summary:
      'Several operations in one request (1 to 100). Each runs as its own request would, concurrently with the others, and gets its own status and body; the firewall and the API session are checked once for the whole request.',
    body: obj({ calls: Type.Array(BatchCall, { minItems: 1, maxItems: MAX_BATCH }) }),
    bodyCheckedByHandler: true,
    answers: ok(obj({ results: Type.Array(BatchResult) }), 'One result per call, in order'),
    errors: { ...SESSION_ERRORS, 400: 'invalid_request' },
  },
  openChannel: {
    method: 'GET',
    path: '/channel',
    auth: 'session',
    summary:
      'Opens the API channel: a WebSocket (RFC 6455) that carries the same call batches as POST /batch over one connection, for the API session whose token opens it.',
    description:
      'Send `Connection: Upgrade`, `Upgrade: websocket` and the API session token. The opening request passes the firewall and the session check like any request, and so does every message after it. Each message from the bridge is JSON text `{"id": <whole number>, "calls": [BatchCall, ...]}`; the account answers each with `{"id": <the same>, "status": <HTTP status>, "body": <body>}`, where status and body are exactly what POST /batch would answer for those calls (200 with `{"results": [...]}`, or the error that refused the whole batch). Some answers mean the calls were not run, so the bridge may send them again: 503 `internal_error` while the server shuts down or when 64 messages are already under way, and 401 `api_session_invalid` after the session expired. Messages are answered in any order. A message that is not such JSON text closes the channel (1007), and one larger than the server\'s body limit closes it (1009). When its API session expires (1008) or the server shuts down (1001), the channel answers the messages under way and then closes. The bridge sends plain requests while the channel cannot be opened.',
    answers: { 101: { description: 'Switching Protocols: the channel is open' } },
    errors: {
      400: 'invalid_request: a plain request without the WebSocket upgrade',
      401: SESSION_ERRORS[401],
      403: SESSION_ERRORS[403],
      500: 'internal_error',
      503: 'account_missing; the server is shutting down',
    },
  },

  // The key chain and the provision watcher (DESIGN.md, "the key chain"). Batch sizes and
  // key formats are the use cases' to check (422); the account opens nothing it is sent.
  getGroupKeys: {
    method: 'POST',
    path: '/group-keys/lookup',
    auth: 'session',
    summary:
      'The key pairs of the given groups (those that have one). Batch sizes are checked by the account (422 above 1,000).',
    body: obj({ groupIds: IdList }),
    answers: ok(obj({ keys: Type.Array(GroupKeyInfo, { maxItems: 1000 }) })),
    errors: KEY_CHAIN_ERRORS,
  },
  addGroupKeys: {
    method: 'POST',
    path: '/group-keys',
    auth: 'session',
    summary:
      'Stores key pairs for groups that have none (the first stored wins); returns what is stored. At most 1,000 keys (422 otherwise).',
    body: obj({ keys: Type.Array(NewGroupKey) }),
    answers: ok(obj({ keys: Type.Array(GroupKeyInfo, { maxItems: 1000 }) })),
    errors: {
      ...KEY_CHAIN_ERRORS,
      403: 'firewall_blocked; provisioning_disabled; group_protected (only Team Members and managed groups)',
      404: 'group_not_found',
    },
  },
  listProvisioningGroupKeys: {
    method: 'POST',
    path: '/group-keys/provisioning',
    auth: 'session',
    summary:
      'Keyset page (by group id) of the group keys sealed for the provisioning key. The page limit is 1 to 1,000 (422 otherwise).',
    body: obj({ page: obj({ limit: pageLimit, afterGroupId: Type.Optional(Type.String()) }) }),
    answers: ok(obj({ keys: Type.Array(GroupKeyInfo, { maxItems: 1000 }) })),
    errors: KEY_CHAIN_ERRORS,
  },
  resealGroupKeys: {
    method: 'POST',
    path: '/group-keys/reseal',
    auth: 'session',
    summary:
      'After new credentials: group keys sealed anew for the new provisioning key; each replaces the stored seal only while the group keeps that public key and is Team Members or managed (a group set aside (P20) or taken off the managed list is left as it is and not counted). At most 1,000 keys (422 otherwise).',
    body: obj({ keys: Type.Array(NewGroupKey) }),
    answers: ok(obj({ replaced: Type.Integer({ minimum: 0 }) })),
    errors: KEY_CHAIN_ERRORS,
  },
  findMissingKeyShares: {
    method: 'POST',
    path: '/key-shares/missing',
    auth: 'session',
    summary:
      'Active members with a key pair, in groups whose key the bridge holds, without a share: for given members of one group, or a keyset sweep.',
    body: obj({
      query: Type.Unsafe<
        | { groupId: string; memberIds: string[] }
        | { after?: { memberId: string; groupId: string }; limit: number }
      >({ type: 'object', description: '{groupId, memberIds} or {after?: {memberId, groupId}, limit}' }),
    }),
    answers: ok(obj({ missing: Type.Array(MissingKeyShare, { maxItems: 1000 }) })),
    errors: KEY_CHAIN_ERRORS,
  },
  addKeyShares: {
    method: 'POST',
    path: '/key-shares',
    auth: 'session',
    summary:
      'Stores group keys sealed for active members still in the group; returns how many were added. At most 1,000 shares (422 otherwise).',
    body: obj({ shares: Type.Array(KeyShare) }),
    answers: ok(obj({ added: Type.Integer({ minimum: 0 }) })),
    errors: KEY_CHAIN_ERRORS,
  },
  listPendingConfirmations: {
    method: 'POST',
    path: '/confirmations/pending',
    auth: 'session',
    summary:
      'Keyset page (by member id) of pending members with what confirming them needs. The page limit is 1 to 1,000 (422 otherwise).',
    body: obj({ page: obj({ limit: pageLimit, afterMemberId: Type.Optional(Type.String()) }) }),
    answers: ok(obj({ pending: Type.Array(PendingConfirmation, { maxItems: 1000 }) })),
    errors: KEY_CHAIN_ERRORS,
  },
  confirmMember: {
    method: 'POST',
    path: '/confirmations',
    auth: 'session',
    summary:
      'Stores the member\'s shares, marks them active and queues the "account ready" e-mail, atomically.',
    body: obj({
      input: obj({
        memberId: Type.String(),
        expectedVersion: Type.Integer(),
        shares: Type.Array(obj({ groupId: Type.String(), sealedPrivateKey: Type.String() })),
      }),
    }),
    answers: ok(
      obj({
        outcome: Type.Unsafe<'confirmed' | 'already_confirmed' | 'changed' | 'not_pending'>({
          type: 'string',
          enum: ['confirmed', 'already_confirmed', 'changed', 'not_pending'],
        }),
      }),
    ),
    errors: {
      ...KEY_CHAIN_ERRORS,
      403: 'firewall_blocked; provisioning_disabled; member_protected (guests)',
    },
  },
  signUpCounter: {
    method: 'GET',
    path: '/sign-ups/count',
    auth: 'session',
    summary: 'Grows by one whenever a member becomes pending: the watcher\'s cheap "anything new?".',
    answers: ok(obj({ count: Type.Integer({ minimum: 0 }) })),
    errors: { 401: SESSION_ERRORS[401], 403: SESSION_ERRORS[403] },
  },
  // P7: a token not shaped like one is just not valid (200); only a body without a string
  // "token" is a malformed request. Neither answer nor error repeats the token.
  checkMonitoringToken: {
    method: 'POST',
    path: '/monitoring-tokens/check',
    auth: 'session',
    summary:
      'Whether a monitoring token (P7) is one the account issued and has not revoked: how a separate bridge accepts the tokens `scimbridge monitoring token create` makes on its /health and /metrics.',
    description:
      'A string that is not shaped like a monitoring token (`sbm_` and 43 base64url characters) is answered `valid: false`, as an unknown or revoked one is; only a body without a string `token` is `invalid_request`. Neither the answer nor an error repeats the token. The account does not cache the answer; the bridge remembers valid answers for 30 seconds, so a revoked token stops working within that time.',
    body: obj({ token: Type.String() }),
    answers: ok(obj({ valid: Type.Boolean() })),
    errors: { ...SESSION_ERRORS, 400: 'invalid_request' },
  },
  // The bridge's request log (bridge/request-log.ts): never sent again after a lost answer.
  recordScimRequests: {
    method: 'POST',
    path: '/scim-requests',
    auth: 'session',
    summary:
      "Stores a batch of the bridge's SCIM request records for the console's request log (Activity → SCIM requests).",
    description:
      'The bridge sends these in the background, at most 100 a call, and never again after a lost answer. Bodies arrive redacted (no bearer tokens, passwords or secrets) and at most 4096 characters long; the account bounds every text field again and keeps the newest 50,000 entries of the last 14 days. One invalid record refuses the whole batch (`invalid_input`) and stores nothing.',
    body: obj({
      records: Type.Array(
        obj({
          at: Type.String(),
          idp: Type.String(),
          operation: Type.String(),
          method: Type.String(),
          path: Type.String(),
          resourceType: Type.String(),
          resourceId: Type.Union([Type.String(), Type.Null()]),
          status: Type.Integer(),
          scimType: Type.Union([Type.String(), Type.Null()]),
          detail: Type.Union([Type.String(), Type.Null()]),
          ms: Type.Number(),
          body: Type.Union([Type.String(), Type.Null()]),
          bodyTruncated: Type.Boolean(),
        }),
        { maxItems: 100 },
      ),
    }),
    answers: ok(obj({ stored: Type.Integer({ minimum: 0 }) })),
    errors: { ...SESSION_ERRORS, 400: 'invalid_request', 422: 'invalid_input' },
  },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof API_ROUTES;
type Routes = typeof API_ROUTES;

/** What an endpoint's body must be (after validation, what its handler gets). */
export type BodyOf<K extends EndpointName> = Routes[K] extends { body: infer S extends TSchema }
  ? Static<S>
  : undefined;

/** The path of `template` with its `:name` parameters filled in, each encoded as one segment. */
export function fillPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(params[name] ?? ''));
}
