/**
 * Name resolution for PATCH and PUT. Built once per resource type and cached: every lookup is
 * a Map hit on the lower-cased name (attribute names and schema URNs are case-insensitive,
 * RFC 7643 §2.1). Unlike a plain definition lookup it also answers *where* an attribute lives,
 * the top level for core and common attributes or the extension object keyed by its URN
 * (RFC 7643 §3.3), which is what writing a value needs.
 */

import type { AttrPath } from '../filter/ast.ts';
import { COMMON_ATTRIBUTES } from '../schemas/common.ts';
import type { AttributeDef, ResourceTypeDef } from '../schemas/types.ts';

export interface AttributeSlot {
  /** `undefined` for core and common attributes, else the extension URN (canonical spelling). */
  container: string | undefined;
  attr: AttributeDef;
}

export interface ResolvedTarget extends AttributeSlot {
  /** The sub-attribute named by `attr.sub` or `attr[filter].sub`. */
  sub: AttributeDef | undefined;
}

export interface AttributeIndex {
  readonly resourceType: ResourceTypeDef;
  /** Core and common attributes by lower-cased name. */
  readonly core: ReadonlyMap<string, AttributeSlot>;
  /** Lower-cased core schema URN. */
  readonly coreUrn: string;
  /** Extensions by lower-cased URN. */
  readonly extensions: ReadonlyMap<string, { urn: string; attributes: ReadonlyMap<string, AttributeSlot> }>;
  /** Every top-level slot, core first, for walks over the whole resource (PUT). */
  readonly slots: readonly AttributeSlot[];
}

const indexes = new WeakMap<ResourceTypeDef, AttributeIndex>();
const subIndexes = new WeakMap<AttributeDef, ReadonlyMap<string, AttributeDef>>();

export function attributeIndex(rt: ResourceTypeDef): AttributeIndex {
  let index = indexes.get(rt);
  if (index === undefined) {
    index = buildIndex(rt);
    indexes.set(rt, index);
  }
  return index;
}

function buildIndex(rt: ResourceTypeDef): AttributeIndex {
  const core = new Map<string, AttributeSlot>();
  const slots: AttributeSlot[] = [];
  for (const attr of [...COMMON_ATTRIBUTES, ...rt.schema.attributes]) {
    const slot = { container: undefined, attr };
    core.set(attr.name.toLowerCase(), slot);
    slots.push(slot);
  }
  const extensions = new Map<string, { urn: string; attributes: Map<string, AttributeSlot> }>();
  for (const { schema } of rt.extensions) {
    const attributes = new Map<string, AttributeSlot>();
    for (const attr of schema.attributes) {
      const slot = { container: schema.id, attr };
      attributes.set(attr.name.toLowerCase(), slot);
      slots.push(slot);
    }
    extensions.set(schema.id.toLowerCase(), { urn: schema.id, attributes });
  }
  return { resourceType: rt, core, coreUrn: rt.schema.id.toLowerCase(), extensions, slots };
}

/** The sub-attribute of a complex attribute by case-insensitive name. */
export function subAttribute(attr: AttributeDef, name: string): AttributeDef | undefined {
  let subs = subIndexes.get(attr);
  if (subs === undefined) {
    subs = new Map((attr.subAttributes ?? []).map((s) => [s.name.toLowerCase(), s]));
    subIndexes.set(attr, subs);
  }
  return subs.get(name.toLowerCase());
}

/**
 * The slot for `[urn:]attr`. Unqualified names are looked up in the core schema first; RFC
 * 7644 §3.10 asks clients to qualify extension attributes, but a bare `employeeNumber` is
 * unambiguous here, so it is accepted rather than refused.
 */
export function resolveSlot(
  index: AttributeIndex,
  schema: string | undefined,
  attr: string,
): AttributeSlot | undefined {
  const name = attr.toLowerCase();
  if (schema !== undefined) {
    const urn = schema.toLowerCase();
    if (urn === index.coreUrn) return index.core.get(name);
    return index.extensions.get(urn)?.attributes.get(name);
  }
  const slot = index.core.get(name);
  if (slot !== undefined) return slot;
  for (const extension of index.extensions.values()) {
    const found = extension.attributes.get(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Resolves a parsed path; `undefined` when the attribute or its sub-attribute is unknown. */
export function resolvePath(
  index: AttributeIndex,
  path: AttrPath,
  subAttr?: string,
): ResolvedTarget | undefined {
  const slot = resolveSlot(index, path.schema, path.attr);
  if (slot === undefined) return undefined;
  const subName = subAttr ?? path.sub;
  if (subName === undefined) return { container: slot.container, attr: slot.attr, sub: undefined };
  const sub = subAttribute(slot.attr, subName);
  return sub === undefined ? undefined : { container: slot.container, attr: slot.attr, sub };
}

/**
 * Splits a key of a no-path PATCH value or of a body (`name.givenName`,
 * `urn:…:enterprise:2.0:User:employeeNumber`) into schema, attribute and sub-attribute. The URN
 * ends at the last colon; version numbers like "2.0" sit before it, so their dots are safe.
 */
export function splitAttributeKey(key: string): AttrPath {
  const colon = key.lastIndexOf(':');
  const schema = colon >= 0 ? key.slice(0, colon) : undefined;
  const rest = colon >= 0 ? key.slice(colon + 1) : key;
  const dot = rest.indexOf('.');
  const attr = dot >= 0 ? rest.slice(0, dot) : rest;
  const path: AttrPath = { attr };
  if (schema !== undefined) path.schema = schema;
  if (dot >= 0) path.sub = rest.slice(dot + 1);
  return path;
}
