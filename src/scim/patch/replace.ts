/**
 * PUT (RFC 7644 §3.5.1): the incoming document, already normalised (`normalizeResource`:
 * canonical names, coerced values, readOnly and unknown attributes dropped), replaces the
 * stored one.
 *
 * "replaces" means what it says: a readWrite attribute the client leaves out is cleared, as
 * is one it sends as `null` or `[]` — the section lets the service provider assume that
 * omitted attributes are to be cleared, and a PUT that kept them would make the answer
 * depend on what some earlier request sent. What survives an omission:
 * - readOnly values (`id`, `meta`, `groups`): the service's, never the client's;
 * - immutable values, which the client could not change anyway;
 * - required attributes (the RFC obliges clients to send them; a client that does not gets
 *   the stored value rather than a refused request, since clearing is not allowed either);
 * - the names the caller lists in `keepWhenOmitted`, attributes that are the service's
 *   state rather than the client's data (for a User: `active` and `externalId`, see
 *   bridge/scim/users.ts).
 *
 * Other rules of the same section: required attributes sent empty are refused (400
 * invalidValue); an immutable attribute that has a value must be sent unchanged (400
 * mutability). A Group's `members` is not touched here: the caller turns a PUT's member list
 * into a membership replacement without loading the current members (see `readMemberIds`),
 * exactly as for PATCH.
 */

import { invalidValue, mutability } from '../errors.ts';
import type { ResourceTypeDef } from '../schemas/types.ts';
import { GROUP_URN } from '../schemas/urns.ts';
import { type AttributeSlot, attributeIndex } from './attribute-index.ts';
import { isPlainObject, isUnassigned, sameValue } from './same-value.ts';

type Json = Record<string, unknown>;

export interface ReplaceOptions {
  /** Top-level attributes that keep their stored value when the client leaves them out. */
  keepWhenOmitted?: ReadonlySet<string>;
}

export function replaceResource(
  existing: Json,
  incoming: Json,
  rt: ResourceTypeDef,
  options: ReplaceOptions = {},
): Json {
  const index = attributeIndex(rt);
  const isGroup = rt.schema.id === GROUP_URN;
  const result: Json = { ...existing };
  const ownedExtensions = new Set<string>();
  for (const slot of index.slots) {
    const { attr } = slot;
    if (attr.mutability === 'readOnly' || attr.mutability === 'writeOnly') continue;
    if (isGroup && slot.container === undefined && attr.name === 'members') continue;
    const supplied = lookup(incoming, slot);
    if (!supplied.present) {
      if (attr.required) {
        if (isUnassigned(lookup(existing, slot).value)) throw invalidValue(`"${attr.name}" is required`);
        continue;
      }
      if (attr.mutability === 'immutable') continue;
      if (slot.container === undefined && options.keepWhenOmitted?.has(attr.name)) continue;
      store(result, slot, null, ownedExtensions);
      continue;
    }
    const next = supplied.value;
    const old = lookup(existing, slot).value;
    if (attr.required && isUnassigned(next)) {
      // RFC 7644 §3.5.1: "If an attribute is "required", clients MUST specify the attribute".
      throw invalidValue(`"${attr.name}" is required and cannot be cleared`);
    }
    if (attr.mutability === 'immutable' && !isUnassigned(old) && !sameValue(old, next)) {
      throw mutability(`"${attr.name}" is immutable; it must be sent with its current value`);
    }
    store(result, slot, next, ownedExtensions);
  }
  return result;
}

function lookup(document: Json, slot: AttributeSlot): { present: boolean; value: unknown } {
  const { container, attr } = slot;
  if (container === undefined) {
    return Object.hasOwn(document, attr.name)
      ? { present: true, value: document[attr.name] }
      : { present: false, value: undefined };
  }
  if (!Object.hasOwn(document, container)) return { present: false, value: undefined };
  const extension = document[container];
  // An explicit `"urn:…:User": null` clears every attribute of the extension.
  if (extension === null) return { present: true, value: null };
  if (!isPlainObject(extension) || !Object.hasOwn(extension, attr.name))
    return { present: false, value: undefined };
  return { present: true, value: extension[attr.name] };
}

function store(result: Json, slot: AttributeSlot, value: unknown, ownedExtensions: Set<string>): void {
  const { container, attr } = slot;
  if (container === undefined) {
    if (isUnassigned(value)) delete result[attr.name];
    else result[attr.name] = value;
    return;
  }
  let extension = result[container];
  if (!ownedExtensions.has(container) || !isPlainObject(extension)) {
    extension = isPlainObject(extension) ? { ...extension } : {};
    ownedExtensions.add(container);
  }
  const target = extension as Json;
  if (isUnassigned(value)) delete target[attr.name];
  else target[attr.name] = value;
  if (Object.keys(target).length === 0) delete result[container];
  else result[container] = target;
}
