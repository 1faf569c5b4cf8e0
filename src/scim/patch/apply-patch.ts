// Document PATCH (RFC 7644 §3.5.2) of a User or a Group's non-member attributes. Copy-on-write:
// a failing operation abandons the copy, so bad input changes nothing (P23).

import { invalidPath, invalidValue, mutability, noTarget } from '../errors.ts';
import type { Filter } from '../filter/ast.ts';
import { matchValueFilter } from '../filter/match.ts';
import { parsePatchPath } from '../filter/path.ts';
import type { AttributeDef, ResourceTypeDef } from '../schemas/types.ts';
import {
  type AttributeIndex,
  type AttributeSlot,
  attributeIndex,
  type ResolvedTarget,
  resolvePath,
  splitAttributeKey,
  subAttribute,
} from './attribute-index.ts';
import { isPlainObject, isUnassigned, sameValue } from './same-value.ts';
import type { PatchOperation } from './types.ts';
import { normalizeElements, normalizeSingle } from './values.ts';

export interface PatchResult {
  resource: Record<string, unknown>;
  /** False when the operations leave the resource as it was: the caller can skip the write. */
  changed: boolean;
}

type Json = Record<string, unknown>;

export function applyPatch(resource: Json, ops: readonly PatchOperation[], rt: ResourceTypeDef): PatchResult {
  const doc = new PatchDocument(resource, attributeIndex(rt));
  for (let i = 0; i < ops.length; i++) applyOperation(doc, ops[i]!, `Operations[${i}]`);
  return doc.finish();
}

/** The copy being patched, with copy-on-write for extension objects and change tracking. */
class PatchDocument {
  readonly result: Json;
  private readonly ownedExtensions = new Set<string>();
  /** Top-level keys written to: only these can differ from the original. */
  private readonly touched = new Set<string>();

  constructor(
    readonly original: Json,
    readonly index: AttributeIndex,
  ) {
    this.result = { ...original };
  }

  get(slot: AttributeSlot): unknown {
    if (slot.container === undefined) return this.result[slot.attr.name];
    const extension = this.result[slot.container];
    return isPlainObject(extension) ? extension[slot.attr.name] : undefined;
  }

  set(slot: AttributeSlot, value: unknown, where: string): void {
    const { attr } = slot;
    const old = this.get(slot);
    if (!isUnassigned(old)) {
      // RFC 7644 §3.5.2: immutable attributes may be added once, never changed afterwards.
      if (attr.mutability === 'immutable' && !sameValue(old, value)) {
        throw mutability(`${where}: "${attr.name}" is immutable and already has a value`);
      }
      // RFC 7644 §3.5.2.2: removing a required attribute is a mutability error.
      if (attr.required && isUnassigned(value)) {
        throw mutability(`${where}: "${attr.name}" is required and cannot be removed`);
      }
    }
    const target = this.containerFor(slot);
    if (isUnassigned(value)) delete target[attr.name];
    else target[attr.name] = value;
    // An extension object left empty is dropped: an empty extension is an unassigned one.
    if (slot.container !== undefined && isEmpty(target)) delete this.result[slot.container];
  }

  private containerFor(slot: AttributeSlot): Json {
    if (slot.container === undefined) {
      this.touched.add(slot.attr.name);
      return this.result;
    }
    const urn = slot.container;
    this.touched.add(urn);
    const current = this.result[urn];
    if (this.ownedExtensions.has(urn) && isPlainObject(current)) return current;
    const copy: Json = isPlainObject(current) ? { ...current } : {};
    this.result[urn] = copy;
    this.ownedExtensions.add(urn);
    return copy;
  }

  finish(): PatchResult {
    for (const key of this.touched) {
      if (!sameValue(this.original[key], this.result[key])) return { resource: this.result, changed: true };
    }
    return { resource: this.result, changed: false };
  }
}

/** Not the client's to set: Okta renames with `{id, displayName}` (research §3.2 O10); `schemas`/`meta` echoes. */
const IGNORED_KEYS: ReadonlySet<string> = new Set(['schemas', 'id', 'meta']);

function applyOperation(doc: PatchDocument, op: PatchOperation, where: string): void {
  if (op.path === undefined) {
    // RFC 7644 §3.5.2.2; `parsePatchRequest` already refuses this, operations built by hand may not.
    if (op.op === 'remove') throw noTarget(`${where}: "remove" needs a "path" naming what to remove`);
    applyWithoutPath(doc, op.op, op.value, where);
    return;
  }
  const label = op.pathText ?? op.path.path.attr;
  const target = resolvePath(doc.index, op.path.path, op.path.subAttr);
  if (target === undefined) {
    throw invalidPath(`${where}: "${label}" is not an attribute of a ${doc.index.resourceType.name}`);
  }
  const filter = op.path.valueFilter;
  if (filter !== undefined && !target.attr.multiValued) {
    throw invalidPath(
      `${where}: "${label}": a "[filter]" can only select values of a multi-valued attribute`,
    );
  }
  // RFC 7644 §3.5.2: an operation must be compatible with the attribute's mutability.
  if (target.attr.mutability === 'readOnly' || target.sub?.mutability === 'readOnly') {
    throw mutability(`${where}: "${label}" is read-only`);
  }
  // writeOnly attributes (the password Okta syncs) are accepted and discarded: the service
  // never stores or returns them (RFC 7643 §4.1.1; members set their own password).
  if (target.attr.mutability === 'writeOnly') return;
  if (op.op === 'remove') removeAt(doc, target, filter, op.value, where);
  else write(doc, op.op, target, filter, op.value, where);
}

// No-path add/replace (RFC 7644 §3.5.2.1, §3.5.2.3): dotted, URN-qualified and whole-extension keys
// (research §2.4 E6, §10.3); unknown and read-only keys skipped as in a POST (IdPs send whole mappings).
function applyWithoutPath(doc: PatchDocument, op: 'add' | 'replace', value: unknown, where: string): void {
  if (!isPlainObject(value)) {
    throw invalidValue(`${where}: without a "path", "value" must be an object of attribute names and values`);
  }
  const { index } = doc;
  for (const key in value) {
    const lower = key.toLowerCase();
    if (IGNORED_KEYS.has(lower)) continue;
    const item = value[key];
    const extension = index.extensions.get(lower);
    if (extension !== undefined || lower === index.coreUrn) {
      if (item === null || item === undefined) continue;
      if (!isPlainObject(item))
        throw invalidValue(`${where}: "${key}" must be an object of attribute values`);
      const schema = extension?.urn ?? index.resourceType.schema.id;
      for (const inner in item) {
        const path = splitAttributeKey(inner);
        path.schema = schema;
        applyKey(doc, op, resolvePath(index, path), undefined, item[inner], `${where}: "${key}:${inner}"`);
      }
      continue;
    }
    if (key.includes('[')) {
      // A value-path key such as `emails[type eq "work"].value` (scim-patch #132 reports
      // no-path values mirroring path syntax): parsed like a path, a bad one refused likewise.
      const path = parsePatchPath(key);
      const target = resolvePath(index, path.path, path.subAttr);
      if (target !== undefined && !target.attr.multiValued) {
        throw invalidPath(
          `${where}: "${key}": a "[filter]" can only select values of a multi-valued attribute`,
        );
      }
      applyKey(doc, op, target, path.valueFilter, item, `${where}: "${key}"`);
      continue;
    }
    applyKey(doc, op, resolvePath(index, splitAttributeKey(key)), undefined, item, `${where}: "${key}"`);
  }
}

function applyKey(
  doc: PatchDocument,
  op: 'add' | 'replace',
  target: ResolvedTarget | undefined,
  filter: Filter | undefined,
  value: unknown,
  where: string,
): void {
  if (target === undefined) return;
  const { attr, sub } = target;
  if (attr.mutability === 'readOnly' || attr.mutability === 'writeOnly' || sub?.mutability === 'readOnly')
    return;
  if (value === null || value === undefined) {
    // RFC 7643 §2.5: null means unassigned, so replacing with null clears; adding it adds nothing.
    if (op === 'replace') removeAt(doc, target, filter, undefined, where);
    return;
  }
  write(doc, op, target, filter, value, where);
}

function write(
  doc: PatchDocument,
  op: 'add' | 'replace',
  target: ResolvedTarget,
  filter: Filter | undefined,
  value: unknown,
  where: string,
): void {
  if (value === null) {
    // RFC 7643 §2.5: replacing with null clears the attribute; adding null adds nothing.
    if (op !== 'replace') throw invalidValue(`${where}: "add" needs a value, not null`);
    removeAt(doc, target, filter, undefined, where);
    return;
  }
  if (filter !== undefined) {
    writeSelected(doc, op, target, filter, value, where);
    return;
  }
  const { attr, sub } = target;
  if (!attr.multiValued) {
    // Entra's older manager form wraps the single value in a list (research §2.4 E8).
    if (Array.isArray(value) && value.length === 1 && sub === undefined) value = value[0];
    const old = doc.get(target);
    if (sub !== undefined) {
      const next = withSub(
        isPlainObject(old) ? old : undefined,
        sub.name,
        normalizeSingle(sub, value, where),
      );
      doc.set(target, next, where);
      return;
    }
    const next = normalizeSingle(attr, value, where);
    // RFC 7644 §3.5.2.1/§3.5.2.3: for a complex attribute the given sub-attributes are set and
    // the others left alone. The bare-id manager shorthand names the whole value, so it replaces.
    const merge =
      attr.type === 'complex' && typeof value !== 'string' && isPlainObject(old) && isPlainObject(next);
    doc.set(target, merge ? mergeObjects(old, next) : next, where);
    return;
  }
  const current = asArray(doc.get(target));
  if (sub !== undefined) {
    // `emails.type` without a filter addresses every value (RFC 7644 §3.5.2), or creates one.
    const subValue = normalizeSingle(sub, value, where);
    const next =
      current.length === 0
        ? [withSub(undefined, sub.name, subValue)]
        : current.map((e) => withSub(isPlainObject(e) ? e : undefined, sub.name, subValue));
    doc.set(target, settlePrimary(attr, compact(next), undefined, where), where);
    return;
  }
  const incoming = normalizeElements(attr, value, where);
  if (op === 'replace') {
    // RFC 7644 §3.5.2.3: a multi-valued attribute without a filter is replaced as a whole.
    doc.set(target, settlePrimary(attr, incoming, undefined, where), where);
    return;
  }
  // RFC 7644 §3.5.2.1: add appends, and an identical value already present is not duplicated.
  let next: unknown[] | undefined;
  const written: number[] = [];
  for (const element of incoming) {
    const list = next ?? current;
    if (list.some((existing) => sameValue(existing, element))) continue;
    next ??= current.slice();
    written.push(next.length);
    next.push(element);
  }
  if (next !== undefined) doc.set(target, settlePrimary(attr, next, written, where), where);
}

// RFC 7644 §3.5.2.3 answers a filter matching nothing with noTarget, but Entra's first write of
// `emails[type eq "work"].value` expects creation (research §2.4 E5, §10.7): when `eq`s joined by
// `and` pin the element, it is created from them; any other filter keeps noTarget.
function writeSelected(
  doc: PatchDocument,
  op: 'add' | 'replace',
  target: ResolvedTarget,
  filter: Filter,
  value: unknown,
  where: string,
): void {
  const { attr, sub } = target;
  const current = asArray(doc.get(target));
  const describeSub = (name: string) => subAttribute(attr, name);
  const newValue =
    sub !== undefined ? normalizeSingle(sub, value, where) : normalizeSingle(attr, value, where);
  const next = current.slice();
  const written: number[] = [];
  for (let i = 0; i < current.length; i++) {
    const element = current[i];
    if (!matchValueFilter(filter, element, describeSub)) continue;
    written.push(i);
    if (sub !== undefined)
      next[i] = withSub(isPlainObject(element) ? element : undefined, sub.name, newValue);
    // Replace swaps the matched value for the given one (RFC 7644 §3.5.2.3); add merges into it.
    else
      next[i] =
        op === 'add' && isPlainObject(element) && isPlainObject(newValue)
          ? mergeObjects(element, newValue)
          : newValue;
  }
  if (written.length === 0) {
    const template = elementTemplate(filter, attr);
    if (template === undefined) {
      throw noTarget(`${where}: no value of "${attr.name}" matches the filter, so there is nothing to ${op}`);
    }
    const created =
      sub !== undefined
        ? withSub(template, sub.name, newValue)
        : mergeObjects(template, isPlainObject(newValue) ? newValue : { value: newValue });
    written.push(next.length);
    next.push(created);
  }
  doc.set(target, settlePrimary(attr, compact(next), written, where), where);
}

// RFC 7644 §3.5.2.2; a filter matching nothing succeeds: IdPs retry removals (research §2.4 E20).
function removeAt(
  doc: PatchDocument,
  target: ResolvedTarget,
  filter: Filter | undefined,
  value: unknown,
  where: string,
): void {
  const { attr, sub } = target;
  const old = doc.get(target);
  if (!attr.multiValued) {
    if (sub === undefined) doc.set(target, undefined, where);
    else if (isPlainObject(old)) doc.set(target, withSub(old, sub.name, undefined), where);
    return;
  }
  const current = asArray(old);
  if (current.length === 0) return;
  let selects: (element: unknown) => boolean;
  if (filter !== undefined) {
    const describeSub = (name: string) => subAttribute(attr, name);
    selects = (element) => matchValueFilter(filter, element, describeSub);
  } else if (sub === undefined && value !== undefined && value !== null) {
    // `remove` with a value list removes those values only (Entra's legacy form, research
    // §2.4 E17); it must never clear the whole attribute.
    const doomed = normalizeElements(attr, value, where);
    selects = (element) => doomed.some((d) => sameElement(element, d));
  } else {
    selects = () => true;
  }
  const next: unknown[] = [];
  let hit = false;
  for (const element of current) {
    if (!selects(element)) {
      next.push(element);
      continue;
    }
    hit = true;
    if (sub !== undefined) {
      // RFC 7644 §3.5.2.2: the sub-attribute becomes unassigned; an element left empty goes.
      const trimmed = withSub(isPlainObject(element) ? element : undefined, sub.name, undefined);
      if (trimmed !== undefined) next.push(trimmed);
    }
  }
  if (hit) doc.set(target, next, where);
}

// RFC 7643 §2.4, RFC 7644 §3.5.2: setting `primary` clears it elsewhere; `written` = indices written (all if undefined).
function settlePrimary(
  attr: AttributeDef,
  list: unknown[],
  written: number[] | undefined,
  where: string,
): unknown[] {
  if (subAttribute(attr, 'primary') === undefined) return list;
  let winner = -1;
  const count = written === undefined ? list.length : written.length;
  for (let k = 0; k < count; k++) {
    const i = written === undefined ? k : written[k]!;
    const element = list[i];
    if (!isPlainObject(element) || element.primary !== true) continue;
    if (winner >= 0) throw invalidValue(`${where}: only one value of "${attr.name}" may be primary`);
    winner = i;
  }
  if (winner < 0) return list;
  let out = list;
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    if (i === winner || !isPlainObject(element) || element.primary !== true) continue;
    if (out === list) out = list.slice();
    out[i] = { ...element, primary: false };
  }
  return out;
}

/** The element a filter like `type eq "work" and display eq "x"` describes, or undefined. */
function elementTemplate(filter: Filter, attr: AttributeDef): Json | undefined {
  const template: Json = {};
  return collectEquals(filter, attr, template) ? template : undefined;
}

function collectEquals(filter: Filter, attr: AttributeDef, into: Json): boolean {
  if (filter.op === 'and')
    return collectEquals(filter.left, attr, into) && collectEquals(filter.right, attr, into);
  if (filter.op !== 'eq' || filter.path.sub !== undefined || filter.value === null) return false;
  const sub = subAttribute(attr, filter.path.attr);
  if (sub === undefined || sub.mutability === 'readOnly') return false;
  into[sub.name] = filter.value;
  return true;
}

/** Values listed for removal match by `value` when both have one, else by equality. */
function sameElement(element: unknown, doomed: unknown): boolean {
  if (isPlainObject(element) && isPlainObject(doomed) && doomed.value !== undefined) {
    return sameValue(element.value, doomed.value);
  }
  return sameValue(element, doomed);
}

/** A copy of `object` with one key set (or removed when unassigned); undefined when left empty. */
function withSub(object: Json | undefined, name: string, value: unknown): Json | undefined {
  const copy: Json = object === undefined ? {} : { ...object };
  if (isUnassigned(value)) delete copy[name];
  else copy[name] = value;
  return isEmpty(copy) ? undefined : copy;
}

function mergeObjects(base: Json, patch: Json): Json {
  const merged: Json = { ...base };
  for (const key in patch) {
    const value = patch[key];
    if (isUnassigned(value)) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

function compact(list: unknown[]): unknown[] {
  return list.includes(undefined) ? list.filter((e) => e !== undefined) : list;
}

function isEmpty(object: Json): boolean {
  for (const _ in object) return false;
  return true;
}
