/**
 * Reading account API request bodies. The bridge is trusted with provisioning, but a body
 * is still input from the network: every field is type-checked here and the use cases apply
 * the domain's own rules after that. A wrong body is `invalid_request` and changes nothing.
 */
import { attrPathFromJson, FilterJsonError, filterFromJson } from '../../scim/filter/from-json.ts';
import type { GroupInput, MemberInput, MembershipChange } from '../client.ts';
import type { GroupListQuery, MemberListQuery } from '../store.ts';

export class ApiRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

type Json = Record<string, unknown>;

export function objectBody(value: unknown, what = 'the request body'): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiRequestError(`${what} must be a JSON object`);
  }
  return value as Json;
}

function string(body: Json, field: string, max = 1024): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length > max) {
    throw new ApiRequestError(`"${field}" must be a string of at most ${max} characters`);
  }
  return value;
}

function nullableString(body: Json, field: string, max = 1024): string | null {
  if (body[field] === null || body[field] === undefined) return null;
  return string(body, field, max);
}

function integer(body: Json, field: string, min: number, max: number): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ApiRequestError(`"${field}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function optionalBoolean(body: Json, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ApiRequestError(`"${field}" must be true or false`);
  return value;
}

export function optionalVersion(body: Json): number | undefined {
  if (body.expectedVersion === undefined || body.expectedVersion === null) return undefined;
  return integer(body, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER);
}

const MAX_IDS = 100_000;

export function idList(value: unknown, field: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length > MAX_IDS ||
    !value.every((id) => typeof id === 'string' && id.length <= 200)
  ) {
    throw new ApiRequestError(`"${field}" must be a list of at most ${MAX_IDS} ids`);
  }
  return value as string[];
}

export function memberInputFrom(value: unknown): MemberInput {
  const body = objectBody(value, '"input"');
  const active = body.active;
  if (typeof active !== 'boolean') throw new ApiRequestError('"active" must be true or false');
  const profile = objectBody(body.profile, '"profile"');
  return {
    userName: string(body, 'userName'),
    email: string(body, 'email'),
    externalId: nullableString(body, 'externalId'),
    displayName: nullableString(body, 'displayName'),
    givenName: nullableString(body, 'givenName'),
    familyName: nullableString(body, 'familyName'),
    active,
    profile,
  };
}

export function groupInputFrom(value: unknown, what = '"input"'): GroupInput {
  const body = objectBody(value, what);
  return { displayName: string(body, 'displayName'), externalId: nullableString(body, 'externalId') };
}

export function membershipChangeFrom(value: unknown): MembershipChange {
  const body = objectBody(value, '"change"');
  const change: MembershipChange = {};
  if (body.add !== undefined) change.add = idList(body.add, 'add');
  if (body.remove !== undefined) change.remove = idList(body.remove, 'remove');
  if (body.replaceWith !== undefined) change.replaceWith = idList(body.replaceWith, 'replaceWith');
  return change;
}

function listQueryFrom(body: Json): MemberListQuery & GroupListQuery {
  const query: MemberListQuery & GroupListQuery = {
    startIndex: integer(body, 'startIndex', 1, Number.MAX_SAFE_INTEGER),
    count: integer(body, 'count', 0, 10_000),
  };
  try {
    if (body.filter !== undefined && body.filter !== null) query.filter = filterFromJson(body.filter);
    if (body.sortBy !== undefined && body.sortBy !== null) query.sortBy = attrPathFromJson(body.sortBy);
  } catch (error) {
    if (error instanceof FilterJsonError) throw new ApiRequestError(error.message);
    throw error;
  }
  const descending = optionalBoolean(body, 'descending');
  if (descending !== undefined) query.descending = descending;
  return query;
}

export function memberListQueryFrom(value: unknown): MemberListQuery {
  const body = objectBody(value, '"query"');
  const query: MemberListQuery = listQueryFrom(body);
  const excludeScimDeleted = optionalBoolean(body, 'excludeScimDeleted');
  if (excludeScimDeleted !== undefined) query.excludeScimDeleted = excludeScimDeleted;
  return query;
}

export function groupListQueryFrom(value: unknown): GroupListQuery {
  const body = objectBody(value, '"query"');
  const query: GroupListQuery = listQueryFrom(body);
  const managedOnly = optionalBoolean(body, 'managedOnly');
  if (managedOnly !== undefined) query.managedOnly = managedOnly;
  return query;
}
