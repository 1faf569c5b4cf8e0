/**
 * User PATCH that only switches `active`. Deprovisioning (and its undoing) is the PATCH every
 * IdP sends most, and the one that must land fastest: Entra sends
 * `{"op":"Replace","path":"active","value":false}` (sometimes the string "False", research
 * §10.2), Okta `{"op":"replace","value":{"active":false}}`. Recognised from the operations
 * alone, such a request needs no copy of the user: the caller can set the flag in one step
 * instead of reading the user, patching the document and writing it back.
 *
 * The answer must be exactly what `applyPatch` would leave in `active`, so values go through
 * the same normalisation (`normalizeSingle`, with the same `where` labels, hence the same
 * errors), and every shape the document engine treats in some other way is left to it.
 */

import { USER_RESOURCE_TYPE } from '../schemas/resource-types.ts';
import type { AttributeDef } from '../schemas/types.ts';
import { USER_URN } from '../schemas/urns.ts';
import { attributeIndex } from './attribute-index.ts';
import { isPlainObject } from './same-value.ts';
import type { PatchOperation } from './types.ts';
import { normalizeSingle } from './values.ts';

export interface ActivePatchPlan {
  /** The value `active` holds after the operations, applied in order (RFC 7644 §3.5.2). */
  active: boolean;
}

const ACTIVE = 'active';
/** The fully-qualified name, `urn:…:core:2.0:User:active` (RFC 7644 §3.10), lower-cased. */
const QUALIFIED_ACTIVE = `${USER_URN}:${ACTIVE}`.toLowerCase();
const USER_URN_LOWER = USER_URN.toLowerCase();

/**
 * The plan when every operation is an `add` or `replace` of `active` alone, else undefined
 * (the caller then runs the whole document engine). Attribute names and schema URNs are
 * case-insensitive (RFC 7643 §2.1). Throws, like `applyPatch`, 400 invalidValue for a value
 * that is not a boolean or "true"/"false" in any case.
 *
 * Left to the engine, because it does something other than set a boolean: `remove active`
 * and a `null` value (both make `active` unassigned, RFC 7643 §2.5), a path with a filter or
 * sub-attribute (refused there), a no-path value with any other key (including `schemas`,
 * `id` and `meta`, which the engine ignores), or any operation on another attribute.
 */
export function planActiveOnlyPatch(ops: readonly PatchOperation[]): ActivePatchPlan | undefined {
  // First the shape of every operation, so a request that is not active-only is left to the
  // engine whole, with its own errors in its own order.
  const writes: Array<{ value: unknown; where: string }> = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.op === 'remove') return undefined;
    if (op.path !== undefined) {
      if (!isActivePath(op)) return undefined;
      writes.push({ value: op.value, where: `Operations[${i}]` });
      continue;
    }
    const value = op.value;
    if (!isPlainObject(value)) return undefined;
    let keys = 0;
    for (const key in value) {
      if (!isActiveKey(key)) return undefined;
      keys++;
      writes.push({ value: value[key], where: `Operations[${i}]: "${key}"` });
    }
    if (keys === 0) return undefined;
  }
  let active: boolean | undefined;
  for (const { value, where } of writes) {
    const next = activeValue(value, where);
    if (next === undefined) return undefined;
    active = next;
  }
  return active === undefined ? undefined : { active };
}

let activeDef: AttributeDef | undefined;

function activeAttribute(): AttributeDef {
  activeDef ??= attributeIndex(USER_RESOURCE_TYPE).core.get(ACTIVE)?.attr;
  if (activeDef === undefined) throw new Error('the User schema has no "active" attribute');
  return activeDef;
}

/** The boolean the engine would store, or undefined when it would clear `active` instead. */
function activeValue(value: unknown, where: string): boolean | undefined {
  if (value === null || value === undefined) return undefined;
  // The engine unwraps a one-element list for a single-valued attribute (research §2.4 E8).
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
  const normalized = normalizeSingle(activeAttribute(), single, where);
  return typeof normalized === 'boolean' ? normalized : undefined;
}

function isActivePath(op: PatchOperation): boolean {
  const target = op.path!;
  const { path } = target;
  return (
    target.valueFilter === undefined &&
    target.subAttr === undefined &&
    path.sub === undefined &&
    path.attr.toLowerCase() === ACTIVE &&
    (path.schema === undefined || path.schema.toLowerCase() === USER_URN_LOWER)
  );
}

function isActiveKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === ACTIVE || lower === QUALIFIED_ACTIVE;
}
