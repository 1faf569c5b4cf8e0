// The filter/sortBy whitelist (RFC 7644 §3.4.2.2): no client text becomes SQL. Names are
// case-insensitive (RFC 7643 §2.1).
import type { AttrPath } from '../scim/filter/ast.ts';
import type { SqlDialect } from './dialect.ts';

export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A single-valued attribute: a SQL expression over the row (or over one array element). */
export interface ScalarAttribute {
  kind: 'scalar';
  type: 'string' | 'dateTime' | 'boolean';
  /** RFC 7643 §2.2 caseExact: false → compared and sorted case-insensitively. */
  caseExact: boolean;
  /** False when the column can never be NULL (lets sorting use a plain index order). */
  nullable: boolean;
  sql: (dialect: SqlDialect, owner: string) => string;
}

/** A multi-valued attribute whose elements are rows of a subquery (JSON array or join table). */
export interface MultiAttribute {
  kind: 'multi';
  elements: (dialect: SqlDialect, alias: string) => { from: string; where: string; element: string };
  /** Sub-attributes, keyed by lower-case name; `value` is the default (`emails eq "x"`). */
  subs: Record<string, ScalarAttribute>;
  /** A row column that also counts as a `value` for plain (non value-path) comparisons. */
  column?: ScalarAttribute;
  /** An indexed pre-selection for `value eq x`, and-ed with the exact condition. */
  valueIndex?: (dialect: SqlDialect, placeholder: string) => string;
  /** How sortBy on this attribute orders (RFC 7644 §3.4.2.3: by the primary value). */
  sortAs?: ScalarAttribute;
}

export type Attribute = ScalarAttribute | MultiAttribute;

export interface ResourceAttributes {
  /** Table alias used in the compiled SQL. */
  alias: string;
  /** Schema URNs a qualified name may use, lower-case, each with its attribute map. */
  schemas: Map<string, Map<string, Attribute>>;
  /** Unqualified names resolve here. */
  unqualified: Map<string, Attribute>;
}

const scalar = (
  type: ScalarAttribute['type'],
  caseExact: boolean,
  nullable: boolean,
  sql: ScalarAttribute['sql'],
): ScalarAttribute => ({ kind: 'scalar', type, caseExact, nullable, sql });
const column = (name: string, type: ScalarAttribute['type'], caseExact: boolean, nullable = true) =>
  scalar(type, caseExact, nullable, (_dialect, owner) => `${owner}.${name}`);
const jsonString = (path: readonly string[], caseExact = false) =>
  scalar('string', caseExact, true, (dialect, owner) => dialect.jsonText(owner, path));
const jsonBoolean = (path: readonly string[]) =>
  scalar('boolean', false, true, (dialect, owner) => dialect.jsonBoolean(owner, path));

/** The owner passed to profile attributes is the member row alias; they read its `profile`. */
const profile = (attribute: ScalarAttribute): ScalarAttribute => ({
  ...attribute,
  sql: (dialect, owner) => attribute.sql(dialect, `${owner}.profile`),
});

const memberEmails: MultiAttribute = {
  kind: 'multi',
  elements: (dialect, alias) => dialect.jsonElements('m.profile', 'emails', alias),
  subs: {
    value: jsonString(['value']),
    type: jsonString(['type']),
    display: jsonString(['display']),
    primary: jsonBoolean(['primary']),
  },
  column: column('email', 'string', false, false),
  valueIndex: (_dialect, placeholder) =>
    `m.seq IN (SELECT member_seq FROM member_emails WHERE value = lower(${placeholder}))`,
  sortAs: column('email', 'string', false, false),
};

const coreUser = new Map<string, Attribute>([
  ['id', column('id', 'string', true, false)],
  ['username', column('user_name', 'string', false, false)],
  ['externalid', column('external_id', 'string', true)],
  ['displayname', column('display_name', 'string', false)],
  ['active', scalar('boolean', false, false, (_dialect, owner) => `(${owner}.state <> 'suspended')`)],
  ['name.givenname', column('given_name', 'string', false)],
  ['name.familyname', column('family_name', 'string', false)],
  ['name.formatted', profile(jsonString(['name', 'formatted']))],
  ['emails', memberEmails],
  ['title', profile(jsonString(['title']))],
  ['usertype', profile(jsonString(['userType']))],
  ['nickname', profile(jsonString(['nickName']))],
  ['locale', profile(jsonString(['locale']))],
  ['preferredlanguage', profile(jsonString(['preferredLanguage']))],
  ['meta.created', column('created_at', 'dateTime', false, false)],
  ['meta.lastmodified', column('updated_at', 'dateTime', false, false)],
]);

const enterpriseUser = new Map<string, Attribute>([
  ['employeenumber', profile(jsonString([ENTERPRISE_USER_URN, 'employeeNumber']))],
  ['department', profile(jsonString([ENTERPRISE_USER_URN, 'department']))],
  ['costcenter', profile(jsonString([ENTERPRISE_USER_URN, 'costCenter']))],
  ['organization', profile(jsonString([ENTERPRISE_USER_URN, 'organization']))],
  ['division', profile(jsonString([ENTERPRISE_USER_URN, 'division']))],
  ['manager.value', profile(jsonString([ENTERPRISE_USER_URN, 'manager', 'value'], true))],
  ['manager', profile(jsonString([ENTERPRISE_USER_URN, 'manager', 'value'], true))],
]);

export const userAttributes: ResourceAttributes = {
  alias: 'm',
  schemas: new Map([
    [CORE_USER_URN.toLowerCase(), coreUser],
    [ENTERPRISE_USER_URN.toLowerCase(), enterpriseUser],
  ]),
  // The extension's names do not collide with core ones, so they are accepted unqualified too.
  unqualified: new Map([...coreUser, ...enterpriseUser]),
};

const groupMembers: MultiAttribute = {
  kind: 'multi',
  elements: (_dialect, alias) => ({
    from: `group_members AS ${alias}`,
    where: `${alias}.group_id = g.id`,
    element: alias,
  }),
  subs: { value: column('member_id', 'string', true, false) },
};

const coreGroup = new Map<string, Attribute>([
  ['id', column('id', 'string', true, false)],
  ['displayname', column('display_name', 'string', false, false)],
  ['externalid', column('external_id', 'string', true)],
  ['members', groupMembers],
  ['meta.created', column('created_at', 'dateTime', false, false)],
  ['meta.lastmodified', column('updated_at', 'dateTime', false, false)],
]);

export const groupAttributes: ResourceAttributes = {
  alias: 'g',
  schemas: new Map([[CORE_GROUP_URN.toLowerCase(), coreGroup]]),
  unqualified: coreGroup,
};

export const pathText = (path: AttrPath): string =>
  `${path.schema ? `${path.schema}:` : ''}${path.attr}${path.sub ? `.${path.sub}` : ''}`;

export type Resolved =
  | { kind: 'scalar'; attribute: ScalarAttribute }
  | { kind: 'multi'; attribute: MultiAttribute; sub: string | undefined };

/** Resolves a top-level path, or undefined when it is not on the whitelist. */
export function resolvePath(resource: ResourceAttributes, path: AttrPath): Resolved | undefined {
  const attributes = path.schema ? resource.schemas.get(path.schema.toLowerCase()) : resource.unqualified;
  if (!attributes) return undefined;
  const attr = path.attr.toLowerCase();
  const sub = path.sub?.toLowerCase();
  const whole = attributes.get(attr);
  if (whole?.kind === 'multi') {
    if (sub !== undefined && !(sub in whole.subs)) return undefined;
    return { kind: 'multi', attribute: whole, sub };
  }
  const scalar = attributes.get(sub === undefined ? attr : `${attr}.${sub}`);
  if (scalar?.kind !== 'scalar') return undefined;
  return { kind: 'scalar', attribute: scalar };
}
