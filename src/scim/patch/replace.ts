/**
 * PUT (RFC 7644 §3.5.1): the incoming document, already normalised (`normalizeResource`:
 * canonical names, coerced values, readOnly and unknown attributes dropped), replaces the
 * stored one, attribute by attribute.
 *
 * The rule for attributes the client leaves out: they are KEPT. RFC 7644 §3.5.1 lets the
 * service provider choose ("readWrite attributes ... omitted from the request body MAY be
 * assumed to be not asserted by the client ... MAY assume that any existing values are to be
 * cleared, or ... MAY assign a default value") and to take into account whether the client
 * understands all of the resource's attributes. IdPs do not: Okta PUTs only its mapped profile
 * (research idp-behaviour §3.2 O3, §10.9), and OneLogin PUTs an admin-edited template (§6.2),
 * so clearing what they omit would wipe attributes another writer set. A client that wants a
 * value gone says so the way the same paragraph offers: `null` for a single-valued attribute,
 * `[]` for a multi-valued one. Extension attributes count one by one, not as a whole object.
 *
 * Other rules of the same section: readOnly values are ignored (the stored ones stay);
 * required attributes must be supplied (400 invalidValue); an immutable attribute that has a
 * value must be sent unchanged (400 mutability). A Group's `members` is not touched here: the
 * caller turns a PUT's member list into a membership replacement without loading the current
 * members (see `readMemberIds`), exactly as for PATCH.
 */

import { invalidValue, mutability } from '../errors.ts';
import type { ResourceTypeDef } from '../schemas/types.ts';
import { GROUP_URN } from '../schemas/urns.ts';
import { type AttributeSlot, attributeIndex } from './attribute-index.ts';
import { isPlainObject, isUnassigned, sameValue } from './same-value.ts';

type Json = Record<string, unknown>;

export function replaceResource(existing: Json, incoming: Json, rt: ResourceTypeDef): Json {
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
      if (attr.required && isUnassigned(lookup(existing, slot).value)) {
        throw invalidValue(`"${attr.name}" is required`);
      }
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
