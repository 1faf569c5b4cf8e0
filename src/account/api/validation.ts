/**
 * Request bodies checked against the route table's schemas: one compiled validator per
 * schema, used by fastify for each route (`validatorCompiler`) and by `/batch` and the
 * channel for each call, so a call is refused alike however it arrives. A body that does not
 * fit — a wrong type, a missing or unknown field, text too long — is `invalid_request` (400)
 * and changes nothing; the message names the field, never its value.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { attrPathFromJson, FilterJsonError, filterFromJson } from '../../scim/filter/from-json.ts';
import type { GroupListQuery, MemberListQuery } from '../store.ts';
import { API_ROUTES, type BodyOf, type EndpointName } from './route-table.ts';
import type { ListQuery } from './schemas.ts';

export class ApiRequestError extends Error {
  /** Fastify reads it as a client error. */
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

type Check = (value: unknown) => void;

const compiled = new WeakMap<TSchema, Check>();

/** The check for `schema`, compiled once: throws `ApiRequestError` saying what is wrong. */
export function checkerOf(schema: TSchema, what = 'the request body'): Check {
  let check = compiled.get(schema);
  if (!check) {
    const validator = Compile(schema);
    check = (value) => {
      if (!validator.Check(value)) throw new ApiRequestError(problemOf(validator.Errors(value), what));
    };
    compiled.set(schema, check);
  }
  return check;
}

const MAX_NAMES = 3;

function problemOf(errors: readonly TLocalizedValidationError[], what: string): string {
  const extra = errors.find((error) => error.keyword === 'additionalProperties');
  if (extra) {
    const names = (extra.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    const shown = names.slice(0, MAX_NAMES).map((name) => JSON.stringify(name.slice(0, 64)));
    return `${placeOf(extra.instancePath, what)} has ${names.length === 1 ? 'an unknown field' : 'unknown fields'} ${shown.join(', ')}${names.length > MAX_NAMES ? ', …' : ''}`;
  }
  const first = errors.find((error) => error.keyword !== 'boolean') ?? errors[0];
  if (!first) return `${what} is not valid`;
  if (first.instancePath === '' && first.keyword === 'type') return `${what} must be a JSON object`;
  return `${placeOf(first.instancePath, what)} ${first.message}`;
}

/** `/input/active` as `"input.active"`; the root as `what`. */
function placeOf(pointer: string, what: string): string {
  if (pointer === '') return what;
  const path = pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').slice(0, 64))
    .join('.');
  return `"${path}"`;
}

/** For fastify: the routes' body schemas, checked as above. */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = checkerOf(schema);
  return (value: unknown) => {
    try {
      check(value);
      return { value };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

/** `value` as `name`'s body, or `ApiRequestError`. */
export function checkBody<K extends EndpointName>(name: K, value: unknown): BodyOf<K> {
  const schema = (API_ROUTES[name] as { body?: TSchema }).body;
  if (schema) checkerOf(schema)(value);
  return value as BodyOf<K>;
}

type ListQueryJson = Static<typeof ListQuery>;

/** A checked list query with its filter and sort path read (`filterFromJson` checks them). */
function listQueryOf(body: ListQueryJson): MemberListQuery & GroupListQuery {
  const query: MemberListQuery & GroupListQuery = { startIndex: body.startIndex, count: body.count };
  try {
    if (body.filter !== undefined && body.filter !== null) query.filter = filterFromJson(body.filter);
    if (body.sortBy !== undefined && body.sortBy !== null) query.sortBy = attrPathFromJson(body.sortBy);
  } catch (error) {
    if (error instanceof FilterJsonError) throw new ApiRequestError(error.message);
    throw error;
  }
  if (body.descending !== undefined) query.descending = body.descending;
  return query;
}

export function memberListQueryOf(body: ListQueryJson): MemberListQuery {
  const query: MemberListQuery = listQueryOf(body);
  if (body.excludeScimDeleted !== undefined) query.excludeScimDeleted = body.excludeScimDeleted;
  return query;
}

export function groupListQueryOf(body: ListQueryJson): GroupListQuery {
  const query: GroupListQuery = listQueryOf(body);
  if (body.managedOnly !== undefined) query.managedOnly = body.managedOnly;
  return query;
}
