// Bulk requests (RFC 7644 §3.7): envelope, `bulkId` references and their order; the bridge runs them.

import { invalidSyntax, invalidValue, payloadTooLarge, ScimError } from './errors.ts';
import { BULK_REQUEST_URN, BULK_RESPONSE_URN } from './schemas/urns.ts';

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface BulkOperation {
  method: BulkMethod;
  /** `/Users`, `/Groups` (POST) or `/Users/{id}`, `/Groups/{id}`; the collection's case is normalised. */
  path: string;
  bulkId?: string;
  /** The ETag the operation's If-Match would carry (RFC 7644 §3.7: `version`). */
  version?: string;
  data?: unknown;
}

export interface BulkRequest {
  failOnErrors: number | undefined;
  operations: BulkOperation[];
}

const METHODS: ReadonlySet<string> = new Set<BulkMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);
const COLLECTIONS: ReadonlyMap<string, string> = new Map([
  ['users', '/Users'],
  ['groups', '/Groups'],
]);
const BULK_ID_PREFIX = 'bulkId:';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the members of an object by lower-cased name (RFC 7643 §2.1: names are case-insensitive). */
function lowerKeyed(source: JsonObject): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(source)) map.set(key.toLowerCase(), source[key]);
  return map;
}

/**
 * Validates a BulkRequest body. Malformed envelopes fail as a whole with 400; more operations
 * than `maxOperations` fail with 413 before any is looked at (RFC 7644 §3.7.4 keeps `tooMany`
 * for filters, so the size limit is told by status and detail alone).
 */
export function parseBulkRequest(body: unknown, limits: { maxOperations: number }): BulkRequest {
  if (!isObject(body)) throw invalidSyntax('The bulk request body must be a JSON object');
  const members = lowerKeyed(body);
  const schemas = members.get('schemas');
  const urn = BULK_REQUEST_URN.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === urn)) {
    throw invalidSyntax(`schemas must contain "${BULK_REQUEST_URN}"`);
  }
  const rawOperations = members.get('operations');
  if (!Array.isArray(rawOperations)) throw invalidSyntax('Operations must be an array of bulk operations');
  if (rawOperations.length > limits.maxOperations) {
    throw payloadTooLarge(
      `The bulk request has ${rawOperations.length} operations; at most ${limits.maxOperations} are accepted per request`,
    );
  }
  const failOnErrors = parseFailOnErrors(members.get('failonerrors'));
  const seenBulkIds = new Set<string>();
  const operations = rawOperations.map((raw, i) => parseOperation(raw, `Operations[${i}]`, seenBulkIds));
  return { failOnErrors, operations };
}

function parseFailOnErrors(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
    throw invalidValue('failOnErrors must be an integer of at least 1');
  }
  return number;
}

function parseOperation(raw: unknown, where: string, seenBulkIds: Set<string>): BulkOperation {
  if (!isObject(raw)) throw invalidSyntax(`${where} must be an object`);
  const members = lowerKeyed(raw);

  const rawMethod = members.get('method');
  if (typeof rawMethod !== 'string') throw invalidSyntax(`${where}.method is required`);
  const method = rawMethod.toUpperCase();
  if (!METHODS.has(method)) {
    throw invalidValue(`${where}.method "${rawMethod}" is not one of POST, PUT, PATCH, DELETE`);
  }

  const rawPath = members.get('path');
  if (typeof rawPath !== 'string') throw invalidSyntax(`${where}.path is required`);
  const path = normalisePath(rawPath, method as BulkMethod, where);

  const operation: BulkOperation = { method: method as BulkMethod, path };

  const bulkId = members.get('bulkid');
  if (bulkId !== undefined && bulkId !== null) {
    if (typeof bulkId !== 'string' || bulkId.length === 0)
      throw invalidSyntax(`${where}.bulkId must be a non-empty string`);
    if (seenBulkIds.has(bulkId))
      throw invalidValue(`${where}.bulkId "${bulkId}" is used by an earlier operation`);
    seenBulkIds.add(bulkId);
    operation.bulkId = bulkId;
  } else if (method === 'POST') {
    // RFC 7644 §3.7: bulkId is REQUIRED when method is POST.
    throw invalidSyntax(`${where}.bulkId is required for POST`);
  }

  const version = members.get('version');
  if (version !== undefined && version !== null) {
    if (typeof version !== 'string') throw invalidSyntax(`${where}.version must be an ETag string`);
    operation.version = version;
  }

  if (method !== 'DELETE') {
    const data = members.get('data');
    if (!isObject(data)) throw invalidSyntax(`${where}.data must be an object for ${method}`);
    operation.data = data;
  }
  return operation;
}

/** `/Users` or `/Groups` for POST; `/Users/{id}` or `/Groups/{id}` otherwise (RFC 7644 §3.7). */
function normalisePath(raw: string, method: BulkMethod, where: string): string {
  const parts = raw.split('/');
  const collection = parts[0] === '' ? COLLECTIONS.get((parts[1] ?? '').toLowerCase()) : undefined;
  if (collection !== undefined) {
    if (method === 'POST' && parts.length === 2) return collection;
    if (method !== 'POST' && parts.length === 3 && parts[2] !== '') return `${collection}/${parts[2]}`;
  }
  const expected = method === 'POST' ? '"/Users" or "/Groups"' : '"/Users/{id}" or "/Groups/{id}"';
  throw invalidValue(`${where}.path "${raw.slice(0, 200)}" is not valid for ${method}; expected ${expected}`);
}

/** The bulkId a string refers to: `bulkId:x` as a whole value, or the last segment of a path. */
function referenceIn(text: string): { bulkId: string; prefix: string } | undefined {
  let at: number;
  if (text.startsWith(BULK_ID_PREFIX)) at = 0;
  else if (text.startsWith('/')) {
    const slash = text.lastIndexOf(`/${BULK_ID_PREFIX}`);
    if (slash < 0) return undefined;
    at = slash + 1;
  } else return undefined;
  const bulkId = text.slice(at + BULK_ID_PREFIX.length);
  if (bulkId.length === 0 || bulkId.includes('/')) return undefined;
  return { bulkId, prefix: text.slice(0, at) };
}

/**
 * Replaces every `bulkId:<id>` reference (a whole string value such as a member's `value`,
 * or the last segment of an operation path) with the id the referenced POST created.
 * Untouched parts of `data` are shared, not copied. An unresolvable reference fails the
 * operation with 409 (RFC 7644 §3.7.1: the circular-reference example answers 409).
 */
export function resolveBulkReferences(data: unknown, resolved: ReadonlyMap<string, string>): unknown {
  if (typeof data === 'string') {
    const reference = referenceIn(data);
    if (!reference) return data;
    const id = resolved.get(reference.bulkId);
    if (id === undefined) {
      throw new ScimError(
        409,
        'invalidValue',
        `bulkId:${reference.bulkId} does not name a resource created in this request`,
      );
    }
    return reference.prefix + id;
  }
  if (Array.isArray(data)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < data.length; i++) {
      const next = resolveBulkReferences(data[i], resolved);
      if (next !== data[i]) {
        copy ??= data.slice();
        copy[i] = next;
      }
    }
    return copy ?? data;
  }
  if (isObject(data)) {
    let copy: JsonObject | undefined;
    for (const key of Object.keys(data)) {
      const next = resolveBulkReferences(data[key], resolved);
      if (next !== data[key]) {
        copy ??= { ...data };
        copy[key] = next;
      }
    }
    return copy ?? data;
  }
  return data;
}

/** Every bulkId an operation refers to, in its path or anywhere in its data. */
export function bulkReferencesOf(operation: BulkOperation): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const reference = referenceIn(value);
      if (reference) found.add(reference.bulkId);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) visit(value[key]);
    }
  };
  visit(operation.path);
  visit(operation.data);
  return found;
}

export interface BulkPlan {
  /** Indexes of the operations that can run, in an order where every referenced POST comes first. */
  order: number[];
  /** Operations that can never run, by index, with the ScimError (409) to report for each. */
  unresolvable: Map<number, ScimError>;
}

/**
 * Orders operations so that each runs after the POSTs whose bulkIds it references
 * (RFC 7644 §3.7.2 lets the service provider choose any such order); otherwise the request's
 * own order is kept. Operations in a reference cycle, referencing an unknown bulkId, or
 * depending on such an operation cannot run and are reported with 409.
 */
export function planBulkOrder(operations: readonly BulkOperation[]): BulkPlan {
  const creatorOf = new Map<string, number>();
  operations.forEach((operation, index) => {
    if (operation.method === 'POST' && operation.bulkId !== undefined) creatorOf.set(operation.bulkId, index);
  });
  const unresolvable = new Map<number, ScimError>();
  const waitingOn = new Array<number>(operations.length).fill(0);
  const dependents: number[][] = operations.map(() => []);
  operations.forEach((operation, index) => {
    for (const bulkId of bulkReferencesOf(operation)) {
      const creator = creatorOf.get(bulkId);
      if (creator === undefined) {
        unresolvable.set(
          index,
          new ScimError(
            409,
            'invalidValue',
            `bulkId:${bulkId} does not name a POST operation in this request`,
          ),
        );
      } else {
        waitingOn[index]!++;
        dependents[creator]!.push(index);
      }
    }
  });

  // Kahn's algorithm; the queue starts in request order, so independent operations keep it.
  const order: number[] = [];
  const scheduled = new Array<boolean>(operations.length).fill(false);
  const queue: number[] = [];
  for (let i = 0; i < operations.length; i++) if (waitingOn[i] === 0 && !unresolvable.has(i)) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const index = queue[head]!;
    order.push(index);
    scheduled[index] = true;
    for (const dependent of dependents[index]!) {
      if (--waitingOn[dependent]! === 0 && !unresolvable.has(dependent)) queue.push(dependent);
    }
  }
  for (let i = 0; i < operations.length; i++) {
    if (!unresolvable.has(i) && !scheduled[i]) {
      unresolvable.set(
        i,
        new ScimError(
          409,
          'invalidValue',
          'this operation is part of, or depends on, a circular or unresolvable bulkId reference',
        ),
      );
    }
  }
  return { order, unresolvable };
}

export interface BulkResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: number;
  response?: unknown;
}

/** The BulkResponse envelope (RFC 7644 §3.7.3); each `status` is a string, as the RFC shows. */
export function bulkResponse(results: readonly BulkResult[]): Record<string, unknown> {
  return {
    schemas: [BULK_RESPONSE_URN],
    Operations: results.map((result) => {
      const entry: Record<string, unknown> = { method: result.method };
      if (result.bulkId !== undefined) entry.bulkId = result.bulkId;
      if (result.version !== undefined) entry.version = result.version;
      if (result.location !== undefined) entry.location = result.location;
      entry.status = String(result.status);
      if (result.response !== undefined) entry.response = result.response;
      return entry;
    }),
  };
}
