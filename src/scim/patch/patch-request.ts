/**
 * The PATCH request envelope (RFC 7644 §3.5.2): `{schemas: [PatchOp URN], Operations: [...]}`.
 * Everything that can be rejected without looking at the resource is rejected here, so a bad
 * request never reaches the store (P23).
 */

import { invalidSyntax, invalidValue, noTarget, payloadTooLarge } from '../errors.ts';
import { parsePatchPath } from '../filter/path.ts';
import { PATCH_OP_URN } from '../schemas/urns.ts';
import type { PatchOperation, PatchOpName } from './types.ts';

/**
 * Upper bound on operations per request. Okta batches up to 1,000 membership changes per
 * PATCH and sends every removal as its own operation (research idp-behaviour §3.2 O11/O13), so
 * a 1,000 cap would refuse a legitimate full batch plus its rename; 10,000 leaves headroom
 * while still bounding the work one request can ask for. Member ids inside one operation's
 * `value` array are not counted: a full `replace members` of a 50,000-member group is one
 * operation, bounded by the HTTP body limit instead.
 */
export const MAX_PATCH_OPERATIONS = 10_000;

const PATCH_OP_URN_LOWER = PATCH_OP_URN.toLowerCase();

const OP_NAMES: ReadonlyMap<string, PatchOpName> = new Map([
  ['add', 'add'],
  ['replace', 'replace'],
  ['remove', 'remove'],
]);

export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isPlainObject(body))
    throw invalidSyntax('A PATCH body must be a JSON object with "schemas" and "Operations"');
  const schemas = memberOf(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some(isPatchOpUrn)) {
    throw invalidSyntax(`A PATCH body must list "${PATCH_OP_URN}" in "schemas"`);
  }
  const operations = memberOf(body, 'Operations');
  // RFC 7644 §3.5.2: "an array of one or more PATCH operations".
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('A PATCH body must carry a non-empty "Operations" array');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    // No scimType fits: `tooMany` is defined for filter results (RFC 7644 §3.12). An oversized
    // request is answered like an oversized bulk request, 413 (RFC 7644 §3.7.3).
    throw payloadTooLarge(
      `A PATCH request may carry at most ${MAX_PATCH_OPERATIONS} operations; this one has ${operations.length}`,
    );
  }
  const parsed: PatchOperation[] = new Array(operations.length);
  for (let i = 0; i < operations.length; i++) parsed[i] = parseOperation(operations[i], i);
  return parsed;
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isPlainObject(raw)) throw invalidSyntax(`${where} must be an object with "op", "path" and "value"`);
  const opText = memberOf(raw, 'op');
  // Entra sends "Add"/"Replace"/"Remove", Okta and OneLogin lower case (research §2.6, §10.1).
  const op = typeof opText === 'string' ? OP_NAMES.get(opText.toLowerCase()) : undefined;
  if (op === undefined) {
    throw invalidSyntax(
      `${where}: "op" must be "add", "replace" or "remove", found ${JSON.stringify(opText)}`,
    );
  }
  const pathText = memberOf(raw, 'path');
  const hasValue = hasMember(raw, 'value');
  const value = hasValue ? memberOf(raw, 'value') : undefined;
  const operation: PatchOperation = { op };
  if (pathText !== undefined && pathText !== null) {
    if (typeof pathText !== 'string') throw invalidSyntax(`${where}: "path" must be a string`);
    operation.path = parsePatchPath(pathText);
    operation.pathText = pathText.trim();
  } else if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with ... noTarget".
    throw noTarget(`${where}: "remove" needs a "path" naming what to remove`);
  }
  if (hasValue) operation.value = value;
  else if (op !== 'remove') {
    // RFC 7644 §3.5.2.1/§3.5.2.3: add and replace "MUST contain a value member"; RFC 7644
    // §3.12 names a missing required value `invalidValue`.
    throw invalidValue(`${where}: "${op}" needs a "value"`);
  }
  return operation;
}

function isPatchOpUrn(value: unknown): boolean {
  // Schema URIs are case-insensitive (RFC 7643 §2.1).
  return typeof value === 'string' && value.toLowerCase() === PATCH_OP_URN_LOWER;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Message attribute names are case-insensitive too (RFC 7643 §2.1): `operations`, `OP`, `Path`. */
function memberOf(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key in object) if (key.toLowerCase() === lower && Object.hasOwn(object, key)) return object[key];
  return undefined;
}

function hasMember(object: Record<string, unknown>, name: string): boolean {
  if (Object.hasOwn(object, name)) return true;
  const lower = name.toLowerCase();
  for (const key in object) if (key.toLowerCase() === lower && Object.hasOwn(object, key)) return true;
  return false;
}
