/**
 * The account API's shared shapes as TypeBox schemas: the route table (`route-table.ts`)
 * names them for bodies and answers, the server validates requests with them, and the
 * OpenAPI document lists them under `components.schemas` (`SCHEMAS`, by these names).
 *
 * Request schemas refuse unknown fields and check types and text lengths; the domain rules
 * (batch sizes, key formats, filters) stay with the use cases, which answer them as
 * `invalid_input` (422).
 */

import Type, { type Static, type TSchema } from 'typebox';
import { API_ERROR_STATUS, type ApiErrorCode } from './protocol.ts';

/** A JSON type list (`["string", "null"]`), as the document has always written nullable fields. */
function nullable<T extends TSchema>(schema: T, options: Record<string, unknown> = {}) {
  const base = schema as unknown as { type: string };
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [base.type, 'null'] });
}
/** Any JSON object; its fields are checked further on (a profile, a filter). */
const anyObject = (description?: string) =>
  Type.Unsafe<Record<string, unknown>>(description ? { description, type: 'object' } : { type: 'object' });
const closed = { additionalProperties: false } as const;
/** A string from a fixed list, written as `enum` (the document's form). */
const oneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: values });

/** The longest text a member or group field may carry, as the account stores them. */
export const MAX_FIELD_LENGTH = 1024;
/** The longest id the API takes (members, groups, keys, challenges). */
export const MAX_ID_LENGTH = 200;
/** The most ids one list may name. */
export const MAX_IDS = 100_000;

const field = Type.String({ maxLength: MAX_FIELD_LENGTH });
const idString = Type.String({ maxLength: MAX_ID_LENGTH });
export const IdList = Type.Array(idString, { maxItems: MAX_IDS });
export const ExpectedVersion = nullable(Type.Integer({ minimum: 0 }));

export const ErrorBody = Type.Object(
  {
    code: oneOf(
      Object.keys(API_ERROR_STATUS).filter((code) => code !== 'account_unreachable') as ApiErrorCode[],
    ),
    message: Type.String(),
    scimStatus: Type.Optional(Type.Integer()),
    scimType: Type.Optional(Type.String()),
    address: Type.Optional(
      Type.String({
        description: 'Only with firewall_blocked: the address the account saw the bridge connect from.',
      }),
    ),
    rule: Type.Optional(
      Type.String({ description: 'Only with firewall_blocked: the rule that refused it.' }),
    ),
    retryAfterSeconds: Type.Optional(
      Type.Integer({ description: 'Only with rate_limited: seconds to wait; also the Retry-After header.' }),
    ),
  },
  closed,
);

export const MemberInput = Type.Object(
  {
    userName: field,
    email: field,
    externalId: nullable(field),
    displayName: nullable(field),
    givenName: nullable(field),
    familyName: nullable(field),
    active: Type.Boolean(),
    profile: anyObject(),
  },
  closed,
);

export const GroupRef = Type.Object(
  { id: Type.String(), displayName: Type.String(), managed: Type.Boolean() },
  closed,
);

/** What a member shows besides its profile and groups. */
const memberHead = {
  id: Type.String(),
  userName: Type.String(),
  email: Type.String({ description: "The member's current, accepted address." }),
  externalId: nullable(Type.String()),
  displayName: nullable(Type.String()),
  givenName: nullable(Type.String()),
  familyName: nullable(Type.String()),
  state: oneOf(['invited', 'pending', 'active', 'suspended']),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  version: Type.Integer(),
};

export const Member = Type.Object(
  {
    ...memberHead,
    profile: anyObject(),
    groups: Type.Optional(
      Type.Array(GroupRef, { description: "Only with ?include=groups: the member's groups." }),
    ),
  },
  {
    ...closed,
    description:
      "A member as the bridge sees it (MemberView): what a SCIM User is rendered from, none of the account's own bookkeeping.",
  },
);

const groupFields = {
  id: Type.String(),
  displayName: Type.String(),
  externalId: nullable(Type.String()),
  kind: oneOf(['owners', 'administrators', 'team_members', 'provision_managers', 'custom']),
  managed: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  version: Type.Integer(),
};
export const Group = Type.Object(groupFields, closed);

export const GroupInput = Type.Object({ displayName: field, externalId: nullable(field) }, closed);

export const ListQuery = Type.Object(
  {
    filter: Type.Optional(
      nullable(anyObject(), { description: 'Filter AST (src/scim/filter/ast.ts) as JSON' }),
    ),
    startIndex: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    count: Type.Integer({ minimum: 0, maximum: 10_000 }),
    sortBy: Type.Optional(nullable(Type.Unsafe<object>({ type: 'object' }))),
    descending: Type.Optional(Type.Boolean()),
    excludeScimDeleted: Type.Optional(Type.Boolean()),
    managedOnly: Type.Optional(Type.Boolean()),
  },
  closed,
);

/** A member of a page asked for with `?profiles=text`: the profile as its stored JSON text. */
export const MemberWithProfileText = Type.Object(
  {
    ...memberHead,
    profileJson: Type.String({ description: 'The profile object as JSON text.' }),
  },
  { ...closed, description: 'A member of a page asked for with ?profiles=text.' },
);

export const MemberPage = Type.Object(
  {
    total: Type.Integer(),
    items: Type.Array(Type.Union([Member, MemberWithProfileText])),
    groups: Type.Optional(
      Type.Unsafe<Record<string, Static<typeof GroupRef>[]>>({
        description: 'Only with ?include=groups: the groups of each member on the page, by member id.',
        type: 'object',
        additionalProperties: Type.Array(GroupRef),
      }),
    ),
  },
  closed,
);

export const GroupPage = Type.Object({ total: Type.Integer(), items: Type.Array(Group) }, closed);

export const GroupMemberRef = Type.Object({ id: Type.String(), display: nullable(Type.String()) }, closed);

export const MembershipChange = Type.Object(
  {
    add: Type.Optional(IdList),
    remove: Type.Optional(IdList),
    replaceWith: Type.Optional(IdList),
  },
  closed,
);

export const BatchCall = Type.Object(
  {
    method: oneOf(['GET', 'POST', 'PUT', 'DELETE']),
    path: Type.String({
      description: "An operation's path below /api/v1, with its query, e.g. /members/{id}?include=groups",
    }),
    body: Type.Optional(Type.Unknown({ description: "The body the operation's own request would carry." })),
  },
  closed,
);

export const BatchResult = Type.Object(
  {
    status: Type.Integer({ description: "The status the operation's own request would have got." }),
    body: Type.Optional(Type.Unknown({ description: 'Its body: the documented answer, or an Error.' })),
  },
  closed,
);

export const GroupKeyInfo = Type.Object(
  {
    groupId: Type.String(),
    publicKey: Type.String({ description: 'base64url X25519 public key' }),
    sealedForProvisioning: nullable(Type.String(), {
      description: "the group's private key sealed for the provisioning key (sbs1 format), or null",
    }),
  },
  closed,
);

export const NewGroupKey = Type.Object(
  { groupId: Type.String(), publicKey: Type.String(), sealedForProvisioning: Type.String() },
  closed,
);

export const KeyShare = Type.Object(
  { groupId: Type.String(), memberId: Type.String(), sealedPrivateKey: Type.String() },
  closed,
);

export const MissingKeyShare = Type.Object(
  { groupId: Type.String(), memberId: Type.String(), memberPublicKey: Type.String() },
  closed,
);

export const PendingConfirmation = Type.Object(
  {
    memberId: Type.String(),
    email: Type.String(),
    displayName: nullable(Type.String()),
    version: Type.Integer(),
    role: oneOf(['owner', 'admin', 'member', 'guest']),
    publicKey: nullable(Type.String()),
    groups: Type.Array(
      Type.Object(
        {
          groupId: Type.String(),
          displayName: Type.String(),
          key: Type.Union([GroupKeyInfo, Type.Null()]),
        },
        closed,
      ),
    ),
  },
  closed,
);

/** The group as a membership change answers it, with the shares its new members lack. */
export const GroupWithMissingShares = Type.Object(
  { ...groupFields, missingKeyShares: Type.Optional(Type.Array(MissingKeyShare, { maxItems: 1000 })) },
  closed,
);

/** The named shapes, as `#/components/schemas/<name>` in the OpenAPI document. */
export const SCHEMAS: Record<string, TSchema> = {
  Error: ErrorBody,
  MemberInput,
  Member,
  Group,
  GroupInput,
  ListQuery,
  MemberWithProfileText,
  MemberPage,
  GroupPage,
  GroupRef,
  GroupMemberRef,
  MembershipChange,
  BatchCall,
  BatchResult,
  GroupKeyInfo,
  NewGroupKey,
  KeyShare,
  MissingKeyShare,
  PendingConfirmation,
};
