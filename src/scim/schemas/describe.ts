/**
 * Attribute lookup by path, shared by the filter matcher, the PATCH engine, validation and
 * projection. Attribute names and schema URNs are case-insensitive (RFC 7643 §2.1), so every
 * lookup goes through lower-case maps built once per resource type: O(1) per call.
 */

import type { AttrPath } from '../filter/ast.ts';
import { COMMON_ATTRIBUTES } from './common.ts';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './types.ts';

export interface ExtensionIndex {
  schema: SchemaDef;
  required: boolean;
  /** The extension as one complex attribute named by its URN, for whole-extension paths. */
  asAttribute: AttributeDef;
  attributes: ReadonlyMap<string, AttributeDef>;
}

export interface ResourceTypeIndex {
  resourceType: ResourceTypeDef;
  /** Common attributes followed by the core schema's, in rendering order. */
  coreAttributes: readonly AttributeDef[];
  /** Lower-cased name → common or core attribute. */
  core: ReadonlyMap<string, AttributeDef>;
  /** Lower-cased extension URN → extension. */
  extensions: ReadonlyMap<string, ExtensionIndex>;
  /** The lower-cased core schema URN. */
  coreUrn: string;
  /**
   * Lower-cased name → extension attribute, for names that no core attribute and no other
   * extension uses, so an unqualified `employeeNumber` still finds its extension.
   */
  unqualifiedExtension: ReadonlyMap<string, AttributeDef>;
}

const indexes = new WeakMap<ResourceTypeDef, ResourceTypeIndex>();
const subAttributeMaps = new WeakMap<AttributeDef, ReadonlyMap<string, AttributeDef>>();

function byLowerName(attributes: readonly AttributeDef[]): Map<string, AttributeDef> {
  const map = new Map<string, AttributeDef>();
  for (const attribute of attributes) map.set(attribute.name.toLowerCase(), attribute);
  return map;
}

/** The precomputed lookup tables of a resource type (built on first use, then cached). */
export function indexResourceType(rt: ResourceTypeDef): ResourceTypeIndex {
  const cached = indexes.get(rt);
  if (cached) return cached;
  const coreAttributes = [...COMMON_ATTRIBUTES, ...rt.schema.attributes];
  const core = byLowerName(coreAttributes);
  const extensions = new Map<string, ExtensionIndex>();
  const extensionNameCounts = new Map<string, number>();
  const unqualifiedExtension = new Map<string, AttributeDef>();
  for (const { schema, required } of rt.extensions) {
    const asAttribute: AttributeDef = {
      name: schema.id,
      type: 'complex',
      multiValued: false,
      description: schema.description,
      required,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      subAttributes: schema.attributes,
    };
    extensions.set(schema.id.toLowerCase(), {
      schema,
      required,
      asAttribute,
      attributes: byLowerName(schema.attributes),
    });
    for (const attribute of schema.attributes) {
      const lower = attribute.name.toLowerCase();
      extensionNameCounts.set(lower, (extensionNameCounts.get(lower) ?? 0) + 1);
      unqualifiedExtension.set(lower, attribute);
    }
  }
  for (const [lower, count] of extensionNameCounts) {
    if (count > 1 || core.has(lower)) unqualifiedExtension.delete(lower);
  }
  const index: ResourceTypeIndex = {
    resourceType: rt,
    coreAttributes,
    core,
    extensions,
    coreUrn: rt.schema.id.toLowerCase(),
    unqualifiedExtension,
  };
  indexes.set(rt, index);
  return index;
}

/** The sub-attribute `name` (any case) of a complex attribute, or undefined. */
export function subAttributeOf(parent: AttributeDef, name: string): AttributeDef | undefined {
  if (!parent.subAttributes) return undefined;
  let map = subAttributeMaps.get(parent);
  if (!map) {
    map = byLowerName(parent.subAttributes);
    subAttributeMaps.set(parent, map);
  }
  return map.get(name.toLowerCase());
}

/**
 * Resolves the top-level attribute a path names: `{attr}` in the core schema (or, failing
 * that, an extension that alone defines the name), `{schema, attr}` in the schema the URN
 * names, and `{schema: "urn:…:2.0", attr: "User"}` (how a bare extension URN parses) to the
 * whole extension as one complex attribute.
 */
export function describeTopLevel(rt: ResourceTypeDef, path: AttrPath): AttributeDef | undefined {
  const index = indexResourceType(rt);
  const attrLower = path.attr.toLowerCase();
  if (path.schema === undefined) {
    return index.core.get(attrLower) ?? index.unqualifiedExtension.get(attrLower);
  }
  const schemaLower = path.schema.toLowerCase();
  if (schemaLower === index.coreUrn) return index.core.get(attrLower);
  const extension = index.extensions.get(schemaLower);
  if (extension) return extension.attributes.get(attrLower);
  const whole = index.extensions.get(`${schemaLower}:${attrLower}`);
  return whole?.asAttribute;
}

/**
 * The definition of the attribute or sub-attribute a path names, or undefined when the
 * resource type has no such attribute. Case-insensitive throughout (RFC 7643 §2.1).
 */
export function describeAttribute(rt: ResourceTypeDef, path: AttrPath): AttributeDef | undefined {
  const top = describeTopLevel(rt, path);
  if (top === undefined || path.sub === undefined) return top;
  return subAttributeOf(top, path.sub);
}

/** `describeAttribute` bound to one resource type, in the shape the filter matcher takes. */
export function describerFor(rt: ResourceTypeDef): (path: AttrPath) => AttributeDef | undefined {
  return (path) => describeAttribute(rt, path);
}
