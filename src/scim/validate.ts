/**
 * Validation and normalisation of resource bodies (POST, PUT) and of single attribute values
 * (reused by the PATCH engine). The output is a clean object: canonical attribute names
 * (RFC 7643 §2.1 makes names case-insensitive), extension data under its schema URN, no
 * read-only, write-only or unknown attributes, and values of the declared types. IdP quirks
 * that are accepted on purpose (research/idp-behaviour.md §10):
 * - booleans sent as "True"/"false" strings (Entra) become booleans;
 * - a complex attribute with a `value` sub-attribute sent as a bare string (Entra's enterprise
 *   `manager`) becomes `{ value }`;
 * - a multi-valued attribute sent as one value instead of an array is wrapped in an array;
 * - numbers sent for string attributes (IdP templates that map numeric fields) become strings;
 * - `null` means "unassigned" (RFC 7643 §2.5) and is dropped — except for PUT, which asks to
 *   keep it (`keepNulls`): there an explicit null clears even what an omission keeps, such
 *   as a User's externalId (see patch/replace.ts).
 */

import { invalidSyntax, invalidValue } from './errors.ts';
import { indexResourceType, subAttributeOf } from './schemas/describe.ts';
import { GROUP_SCHEMA } from './schemas/group.ts';
import type { AttributeDef, ResourceTypeDef } from './schemas/types.ts';

/** Longest string value accepted for any string or reference attribute. */
export const MAX_STRING_LENGTH = 2048;
/** Longest binary (base64) value accepted, e.g. an X.509 certificate. */
export const MAX_BINARY_LENGTH = 16384;
/** Most values accepted in one multi-valued attribute (group members excepted). */
export const MAX_MULTI_VALUES = 100;

/** Group membership is bounded by the account, not here: Okta pushes members in batches of up to 1,000. */
const UNLIMITED_MULTI_VALUED: ReadonlySet<AttributeDef> = new Set(
  GROUP_SCHEMA.attributes.filter((attribute) => attribute.name === 'members'),
);

// RFC 7643 §2.3.5: xsd:dateTime, i.e. ISO 8601 with a date, a time and an optional offset.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/i;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a POST or PUT body against a resource type and returns its normalised form.
 * Throws 400 invalidSyntax when the body is not a JSON object or `schemas` is malformed, and
 * 400 invalidValue for any value that does not fit its attribute.
 */
export function normalizeResource(
  body: unknown,
  rt: ResourceTypeDef,
  options: { keepNulls?: boolean } = {},
): JsonObject {
  if (!isPlainObject(body)) throw invalidSyntax('The request body must be a JSON object');
  const index = indexResourceType(rt);
  const out: JsonObject = {};
  const extensionData = new Map<string, JsonObject>();
  const clearedExtensions = new Set<string>();
  const keepNulls = options.keepNulls === true;
  /** The value to keep for `def`: its normal form, or null when the client cleared a settable attribute. */
  const valueFor = (def: AttributeDef, value: unknown, where: string): unknown =>
    keepNulls && value === null && isSettable(def) ? null : normalizeValue(def, value, where);

  for (const key of Object.keys(body)) {
    const value = body[key];
    const lower = key.toLowerCase();
    if (lower === 'schemas') {
      checkSchemasMember(value);
      continue;
    }
    const core = index.core.get(lower);
    if (core) {
      assign(out, core.name, valueFor(core, value, core.name));
      continue;
    }
    const extension = index.extensions.get(lower);
    if (extension) {
      if (value === null) {
        if (keepNulls) clearedExtensions.add(extension.schema.id);
        continue;
      }
      if (!isPlainObject(value)) {
        throw invalidValue(`${extension.schema.id} must be an object holding the extension's attributes`);
      }
      const target = extensionObject(extensionData, extension.schema.id);
      for (const innerKey of Object.keys(value)) {
        const def = extension.attributes.get(innerKey.toLowerCase());
        if (def)
          assign(target, def.name, valueFor(def, value[innerKey], `${extension.schema.id}:${def.name}`));
      }
      continue;
    }
    // A fully qualified name at the top level, e.g. "urn:…:enterprise:2.0:User:department".
    const colon = lower.lastIndexOf(':');
    if (colon > 0) {
      const urn = lower.slice(0, colon);
      const name = lower.slice(colon + 1);
      if (urn === index.coreUrn) {
        const def = index.core.get(name);
        if (def) assign(out, def.name, valueFor(def, value, def.name));
        continue;
      }
      const qualified = index.extensions.get(urn);
      const def = qualified?.attributes.get(name);
      if (qualified && def) {
        const target = extensionObject(extensionData, qualified.schema.id);
        assign(target, def.name, valueFor(def, value, `${qualified.schema.id}:${def.name}`));
      }
    }
    // Anything else (unknown attributes, data of unknown extensions) is ignored.
  }

  // A PUT (keepNulls) checks required attributes against the stored resource instead: one it
  // leaves out keeps its value there (patch/replace.ts).
  for (const def of keepNulls ? [] : rt.schema.attributes) {
    if (def.required && isEmpty(out[def.name])) {
      throw invalidValue(`${def.name} is required and must not be empty`);
    }
  }

  const schemas = [rt.schema.id];
  for (const { schema } of rt.extensions) {
    const data = extensionData.get(schema.id);
    if (data) {
      out[schema.id] = data;
      schemas.push(schema.id);
    } else if (clearedExtensions.has(schema.id)) {
      out[schema.id] = null;
    }
  }
  out.schemas = schemas;
  return out;
}

function checkSchemasMember(value: unknown): void {
  // RFC 7643 §3 requires `schemas`; IdPs omit it often enough that a missing one is tolerated,
  // but a present one must have the right shape. Unknown URNs (Entra adds custom ones) are fine.
  if (value === undefined || value === null) return;
  if (!Array.isArray(value) || value.some((urn) => typeof urn !== 'string')) {
    throw invalidSyntax('schemas must be an array of schema URN strings');
  }
}

function extensionObject(map: Map<string, JsonObject>, urn: string): JsonObject {
  let target = map.get(urn);
  if (!target) {
    target = {};
    map.set(urn, target);
  }
  return target;
}

function isSettable(def: AttributeDef): boolean {
  return def.mutability !== 'readOnly' && def.mutability !== 'writeOnly';
}

function assign(target: JsonObject, name: string, value: unknown): void {
  if (value !== undefined) target[name] = value;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'string' && value.trim().length === 0) ||
    (Array.isArray(value) && value.length === 0)
  );
}

/**
 * Validates and normalises one attribute's value. Returns undefined when the value is to be
 * dropped: `null` (unassigned, RFC 7643 §2.5), or an attribute the client may not set
 * (readOnly, RFC 7643 §7) or that this service never keeps (writeOnly `password`).
 * `where` names the attribute in error details, e.g. "emails" → "emails[1].primary".
 */
export function normalizeValue(attr: AttributeDef, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (attr.mutability === 'readOnly' || attr.mutability === 'writeOnly') return undefined;
  if (!attr.multiValued) {
    if (Array.isArray(value)) throw invalidValue(`${where} must be a single value, not an array`);
    return normalizeSingle(attr, value, where);
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length > MAX_MULTI_VALUES && !UNLIMITED_MULTI_VALUED.has(attr)) {
    throw invalidValue(`${where} has ${values.length} values; at most ${MAX_MULTI_VALUES} are accepted`);
  }
  const out: unknown[] = [];
  let primaries = 0;
  for (let i = 0; i < values.length; i++) {
    const item = values[i];
    const at = `${where}[${i}]`;
    if (item === null || item === undefined) throw invalidValue(`${at} must not be null`);
    if (Array.isArray(item)) throw invalidValue(`${at} must not be an array`);
    const normalized = normalizeSingle(attr, item, at);
    if (isPlainObject(normalized) && normalized.primary === true) primaries++;
    out.push(normalized);
  }
  // RFC 7643 §2.4: the primary attribute value "true" MUST appear no more than once.
  if (primaries > 1)
    throw invalidValue(`${where} has ${primaries} values marked primary; at most one may be`);
  return out;
}

function normalizeSingle(attr: AttributeDef, value: unknown, where: string): unknown {
  if (attr.type === 'complex') return normalizeComplex(attr, value, where);
  return normalizeSimple(attr, value, where);
}

function normalizeComplex(attr: AttributeDef, value: unknown, where: string): JsonObject {
  if (typeof value === 'string') {
    // Entra sends the enterprise `manager` (and some IdPs e-mails) as a bare string.
    const valueSub = subAttributeOf(attr, 'value');
    if (valueSub && valueSub.type !== 'complex') {
      return { value: normalizeSimple(valueSub, value, `${where}.value`) };
    }
  }
  if (!isPlainObject(value)) throw invalidValue(`${where} must be an object`);
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const sub = subAttributeOf(attr, key);
    if (!sub) continue;
    const at = `${where}.${sub.name}`;
    const subValue = value[key];
    if (subValue === null || subValue === undefined) continue;
    if (sub.mutability === 'readOnly' || sub.mutability === 'writeOnly') continue;
    if (Array.isArray(subValue) || isPlainObject(subValue)) {
      // RFC 7643 §2.3.8: a complex attribute's sub-attributes are simple; nothing nests deeper.
      throw invalidValue(`${at} must be a single ${sub.type} value`);
    }
    out[sub.name] = normalizeSimple(sub, subValue, at);
  }
  return out;
}

function normalizeSimple(attr: AttributeDef, value: unknown, where: string): unknown {
  switch (attr.type) {
    case 'string':
    case 'reference':
      return checkedString(value, where, MAX_STRING_LENGTH, true);
    case 'binary':
      return checkedString(value, where, MAX_BINARY_LENGTH, false);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const lower = value.toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
      }
      throw invalidValue(`${where} must be a boolean`);
    case 'integer': {
      const number = numeric(value);
      if (number === undefined || !Number.isInteger(number))
        throw invalidValue(`${where} must be an integer`);
      return number;
    }
    case 'decimal': {
      const number = numeric(value);
      if (number === undefined) throw invalidValue(`${where} must be a number`);
      return number;
    }
    case 'dateTime':
      if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
        throw invalidValue(`${where} must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z`);
      }
      return value;
    case 'complex':
      throw invalidValue(`${where} must not be nested`);
  }
}

function checkedString(value: unknown, where: string, max: number, acceptNumbers: boolean): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (acceptNumbers && typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw invalidValue(`${where} must be a string`);
  if (text.length > max)
    throw invalidValue(`${where} is ${text.length} characters long; at most ${max} are accepted`);
  return text;
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value);
  return undefined;
}
