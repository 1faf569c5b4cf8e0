/**
 * Attribute projection of returned resources (RFC 7644 §3.4.2.5 `attributes` /
 * `excludedAttributes`, RFC 7643 §7 `returned`):
 * - `always` attributes (`id`, and `schemas`) are returned whatever the request says;
 * - `never` attributes (`password`) are never returned;
 * - `request` attributes only when named in `attributes`;
 * - `default` attributes unless `attributes` names others or `excludedAttributes` names them.
 * Names are matched case-insensitively and may be URN-qualified or name a whole extension.
 * When both lists are given, the named attributes are returned minus the excluded ones.
 *
 * The selection is compiled once per request into a plan; applying it to each resource of a
 * page touches only the keys it must, and returns the resource itself when nothing changes.
 */

import type { AttrPath } from './filter/ast.ts';
import { indexResourceType, type ResourceTypeIndex } from './schemas/describe.ts';
import type { AttributeDef, ResourceTypeDef } from './schemas/types.ts';

export interface ProjectionOptions {
  attributes?: AttrPath[] | undefined;
  excludedAttributes?: AttrPath[] | undefined;
}

export type Resource = Record<string, unknown>;
export type Projection = (resource: Resource) => Resource;

/** A tree of named attributes: a leaf ('whole') names the attribute with all its parts. */
type Selection = Map<AttributeDef, Selection | 'whole'>;

/** How to reduce one object level; `null` everywhere means "keep as is". */
type ObjectPlan =
  | { mode: 'include'; entries: Array<[string, ObjectPlan | null]> }
  | { mode: 'exclude'; drop: ReadonlySet<string>; partial: ReadonlyMap<string, ObjectPlan> };

const IDENTITY: Projection = (resource) => resource;

/** Compiles the projection for one request; apply the result to every resource returned. */
export function compileProjection(rt: ResourceTypeDef, opts: ProjectionOptions): Projection {
  const plain = !opts.attributes?.length && !opts.excludedAttributes?.length;
  // Most requests name no attributes: their projection depends on the resource type alone.
  if (plain) {
    const known = plainProjections.get(rt);
    if (known) return known;
  }
  const projection = compileFresh(rt, opts);
  if (plain) plainProjections.set(rt, projection);
  return projection;
}

const plainProjections = new WeakMap<ResourceTypeDef, Projection>();

function compileFresh(rt: ResourceTypeDef, opts: ProjectionOptions): Projection {
  const index = indexResourceType(rt);
  const topLevel = topLevelAttributes(index);
  const include = opts.attributes?.length ? selectionOf(index, opts.attributes) : null;
  const exclude = opts.excludedAttributes?.length ? selectionOf(index, opts.excludedAttributes) : undefined;
  const plan = buildPlan(topLevel, include, exclude);
  if (plan === null) return IDENTITY;
  if (plan.mode === 'include') plan.entries.unshift(['schemas', null]);
  return (resource) => applyPlan(plan, resource);
}

/**
 * The top-level names the default projection (no `attributes`, no `excludedAttributes`)
 * removes or reduces: a resource naming none of them is returned by it unchanged.
 */
export function namesPlainProjectionChanges(rt: ResourceTypeDef): ReadonlySet<string> {
  let names = plainChanges.get(rt);
  if (!names) {
    const plan = buildPlan(topLevelAttributes(indexResourceType(rt)), null, undefined);
    names = new Set(plan?.mode === 'exclude' ? [...plan.drop, ...plan.partial.keys()] : []);
    plainChanges.set(rt, names);
  }
  return names;
}

const plainChanges = new WeakMap<ResourceTypeDef, ReadonlySet<string>>();

/** One-off form of `compileProjection`. */
export function projectResource(resource: Resource, rt: ResourceTypeDef, opts: ProjectionOptions): Resource {
  return compileProjection(rt, opts)(resource);
}

const topLevelCache = new WeakMap<ResourceTypeIndex, AttributeDef[]>();

/** Common and core attributes, then each extension as one complex attribute named by its URN. */
function topLevelAttributes(index: ResourceTypeIndex): AttributeDef[] {
  let list = topLevelCache.get(index);
  if (!list) {
    list = [
      ...index.coreAttributes,
      ...[...index.extensions.values()].map((extension) => extension.asAttribute),
    ];
    topLevelCache.set(index, list);
  }
  return list;
}

/** Resolves paths to attribute chains and merges them into a tree. Unknown names are ignored. */
function selectionOf(index: ResourceTypeIndex, paths: readonly AttrPath[]): Selection {
  const root: Selection = new Map();
  for (const path of paths) {
    const chain = chainOf(index, path);
    if (!chain) continue;
    let node: Selection = root;
    for (let i = 0; i < chain.length; i++) {
      const def = chain[i]!;
      const last = i === chain.length - 1;
      const existing = node.get(def);
      if (existing === 'whole') break;
      if (last) {
        node.set(def, 'whole');
        break;
      }
      if (existing) {
        node = existing;
      } else {
        const child: Selection = new Map();
        node.set(def, child);
        node = child;
      }
    }
  }
  return root;
}

function chainOf(index: ResourceTypeIndex, path: AttrPath): AttributeDef[] | undefined {
  const attrLower = path.attr.toLowerCase();
  let chain: AttributeDef[] | undefined;
  if (path.schema === undefined || path.schema.toLowerCase() === index.coreUrn) {
    const core = index.core.get(attrLower);
    if (core) chain = [core];
    else if (path.schema === undefined) {
      // An unqualified name that only one extension defines (describe.ts resolves it the same way).
      const def = index.unqualifiedExtension.get(attrLower);
      for (const extension of index.extensions.values()) {
        if (def && extension.attributes.get(attrLower) === def) chain = [extension.asAttribute, def];
      }
    }
  } else {
    const schemaLower = path.schema.toLowerCase();
    const extension = index.extensions.get(schemaLower);
    const def = extension?.attributes.get(attrLower);
    if (extension && def) chain = [extension.asAttribute, def];
    else {
      const whole = index.extensions.get(`${schemaLower}:${attrLower}`);
      if (whole && path.sub === undefined) return [whole.asAttribute];
    }
  }
  if (!chain || path.sub === undefined) return chain;
  const parent = chain[chain.length - 1]!;
  const subLower = path.sub.toLowerCase();
  const sub = parent.subAttributes?.find((candidate) => candidate.name.toLowerCase() === subLower);
  return sub ? [...chain, sub] : undefined;
}

/**
 * `include === null` means the default set: everything but `never` and `request` attributes,
 * minus `exclude`. Returns null when the level needs no change at all.
 */
function buildPlan(
  attributes: readonly AttributeDef[],
  include: Selection | null,
  exclude: Selection | undefined,
): ObjectPlan | null {
  if (include === null) {
    const drop = new Set<string>();
    const partial = new Map<string, ObjectPlan>();
    for (const def of attributes) {
      const excluded = exclude?.get(def);
      if (def.returned === 'never' || def.returned === 'request') drop.add(def.name);
      else if (excluded === 'whole' && def.returned !== 'always') drop.add(def.name);
      else if (def.subAttributes) {
        const child = buildPlan(def.subAttributes, null, excluded === 'whole' ? undefined : excluded);
        if (child) partial.set(def.name, child);
      }
    }
    return drop.size === 0 && partial.size === 0 ? null : { mode: 'exclude', drop, partial };
  }
  const entries: Array<[string, ObjectPlan | null]> = [];
  for (const def of attributes) {
    if (def.returned === 'never') continue;
    const always = def.returned === 'always';
    const requested = always ? 'whole' : include.get(def);
    if (requested === undefined) continue;
    const excluded = always ? undefined : exclude?.get(def);
    if (excluded === 'whole') continue;
    let child: ObjectPlan | null = null;
    if (def.subAttributes) {
      child = buildPlan(def.subAttributes, requested === 'whole' ? null : requested, excluded);
    }
    entries.push([def.name, child]);
  }
  return { mode: 'include', entries };
}

function isObject(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function applyPlan(plan: ObjectPlan, source: Resource): Resource {
  if (plan.mode === 'include') {
    const out: Resource = {};
    for (const [name, child] of plan.entries) {
      const value = source[name];
      if (value === undefined) continue;
      if (child === null) {
        out[name] = value;
        continue;
      }
      const reduced = applyChild(child, value);
      // A complex attribute none of whose selected parts is set is left out, not sent as {}.
      if (isObject(reduced) && Object.keys(reduced).length === 0) continue;
      out[name] = reduced;
    }
    return out;
  }
  if (!touches(plan, source)) return source;
  const out: Resource = {};
  for (const key of Object.keys(source)) {
    if (plan.drop.has(key)) continue;
    const child = plan.partial.get(key);
    out[key] = child ? applyChild(child, source[key]) : source[key];
  }
  return out;
}

function touches(
  plan: { drop: ReadonlySet<string>; partial: ReadonlyMap<string, ObjectPlan> },
  source: Resource,
) {
  for (const key of plan.drop) if (key in source) return true;
  for (const key of plan.partial.keys()) if (key in source) return true;
  return false;
}

function applyChild(plan: ObjectPlan, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (isObject(item) ? applyPlan(plan, item) : item));
  return isObject(value) ? applyPlan(plan, value) : value;
}
