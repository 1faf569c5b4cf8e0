/**
 * Query parameters of list requests (RFC 7644 §3.4.2) from either source: the query string
 * of `GET /Users` (every value a string, repeated keys as arrays) or the JSON body of
 * `POST /.search` (RFC 7644 §3.4.3: numbers, and `attributes` as arrays of strings).
 */

import { invalidFilter, invalidSyntax, invalidValue } from './errors.ts';
import type { AttrPath, Filter } from './filter/ast.ts';
import { parseAttrPath, parseAttrPathList, parseFilter } from './filter/parse.ts';
import { SEARCH_REQUEST_URN } from './schemas/urns.ts';

export interface ListParamsInput {
  filter?: unknown;
  startIndex?: unknown;
  count?: unknown;
  sortBy?: unknown;
  sortOrder?: unknown;
  attributes?: unknown;
  excludedAttributes?: unknown;
}

export interface ListParams {
  filter?: Filter;
  /** 1-based, at least 1. */
  startIndex: number;
  /** 0 ≤ count ≤ maxCount. */
  count: number;
  sortBy?: AttrPath;
  descending: boolean;
  attributes?: AttrPath[];
  excludedAttributes?: AttrPath[];
}

export interface ListLimits {
  maxCount: number;
  defaultCount: number;
}

/**
 * Validates list parameters. Decisions where the RFC leaves room:
 * - a blank `filter` is treated as no filter (some IdP test buttons send `filter=`);
 * - `startIndex` below 1 becomes 1 and `count` below 0 becomes 0 (RFC 7644 §3.4.2.4), a count
 *   above `maxCount` becomes `maxCount` (the RFC lets the server return fewer);
 * - a value that is not an integer is 400 invalidValue, never silently defaulted;
 * - `attributes` and `excludedAttributes` may both be given: RFC 7644 §3.4.2.5 does not
 *   forbid it, so the listed attributes are returned minus the excluded ones.
 */
export function parseListParams(input: ListParamsInput, limits: ListLimits): ListParams {
  const params: ListParams = {
    startIndex: Math.max(1, integerParam(input.startIndex, 'startIndex') ?? 1),
    count: Math.min(limits.maxCount, Math.max(0, integerParam(input.count, 'count') ?? limits.defaultCount)),
    descending: false,
  };
  const filterText = single(input.filter, 'filter');
  if (filterText !== undefined) {
    if (typeof filterText !== 'string') throw invalidFilter('filter must be a string');
    if (filterText.trim().length > 0) params.filter = parseFilter(filterText);
  }
  const sortBy = single(input.sortBy, 'sortBy');
  if (sortBy !== undefined) {
    if (typeof sortBy !== 'string') throw invalidValue('sortBy must be an attribute path string');
    if (sortBy.trim().length > 0) params.sortBy = parseAttrPath(sortBy);
  }
  const sortOrder = single(input.sortOrder, 'sortOrder');
  if (sortOrder !== undefined) {
    const lower = typeof sortOrder === 'string' ? sortOrder.toLowerCase() : undefined;
    if (lower === 'descending') params.descending = true;
    else if (lower !== 'ascending') throw invalidValue('sortOrder must be "ascending" or "descending"');
  }
  const attributes = attrPathListParam(input.attributes, 'attributes');
  if (attributes) params.attributes = attributes;
  const excluded = attrPathListParam(input.excludedAttributes, 'excludedAttributes');
  if (excluded) params.excludedAttributes = excluded;
  return params;
}

/** A query-string key given twice arrives as an array; for scalar parameters that is an error. */
function single(value: unknown, name: string): unknown {
  if (!Array.isArray(value)) return value ?? undefined;
  if (value.length === 1) return value[0];
  throw invalidValue(`${name} must be given once`);
}

const INTEGER = /^[+-]?\d+$/;

function integerParam(raw: unknown, name: string): number | undefined {
  const value = single(raw, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return clampSafe(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.length === 0) return undefined;
    if (INTEGER.test(text)) return clampSafe(Number(text));
  }
  throw invalidValue(`${name} must be an integer, got ${JSON.stringify(value).slice(0, 50)}`);
}

/** Absurdly large values stay finite so that paging arithmetic downstream never sees Infinity. */
function clampSafe(value: number): number {
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, value));
}

function attrPathListParam(raw: unknown, name: string): AttrPath[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parts = Array.isArray(raw) ? raw : [raw];
  const paths: AttrPath[] = [];
  for (const part of parts) {
    if (typeof part !== 'string') throw invalidValue(`${name} must be a string or an array of strings`);
    for (const path of parseAttrPathList(part)) paths.push(path);
  }
  return paths.length > 0 ? paths : undefined;
}

const SEARCH_KEYS: Record<string, keyof ListParamsInput> = {
  filter: 'filter',
  startindex: 'startIndex',
  count: 'count',
  sortby: 'sortBy',
  sortorder: 'sortOrder',
  attributes: 'attributes',
  excludedattributes: 'excludedAttributes',
};

/**
 * Validates a `POST /.search` body (RFC 7644 §3.4.3) and returns its parameters for
 * `parseListParams`. The body must name the SearchRequest schema; member names are
 * case-insensitive (RFC 7643 §2.1) and unknown members are ignored.
 */
export function parseSearchRequest(body: unknown): ListParamsInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSyntax('The search request body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  const input: ListParamsInput = {};
  let schemas: unknown;
  for (const key of Object.keys(record)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas') schemas = record[key];
    const target = SEARCH_KEYS[lower];
    if (target) input[target] = record[key];
  }
  const named =
    Array.isArray(schemas) &&
    schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === SEARCH_REQUEST_URN.toLowerCase());
  if (!named) throw invalidSyntax(`schemas must contain "${SEARCH_REQUEST_URN}"`);
  return input;
}
