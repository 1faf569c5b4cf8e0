/**
 * docs/api/openapi.json, written from the route table: `npm run openapi` saves it, and a
 * test fails when the checked-in file is not what the table gives (test/api/openapi.test.ts).
 * The named shapes of `schemas.ts` appear once under `components` and as `$ref` elsewhere.
 */
import type { TSchema } from 'typebox';
import { API_PREFIX, API_SESSION_TTL_SECONDS } from './protocol.ts';
import { API_ROUTES, type Endpoint } from './route-table.ts';
import { SCHEMAS } from './schemas.ts';

type Json = Record<string, unknown>;

/** The named shapes by their JSON text: `Type.Optional` and the like copy a schema, so identity is not enough. */
const NAMES = new Map<string, string>(
  Object.entries(SCHEMAS).map(([name, schema]) => [JSON.stringify(schema), name]),
);

/** Plain JSON of `schema`, with every named shape inside it (but not itself, when `top`) as a `$ref`. */
function toJson(schema: unknown, top = false): unknown {
  const name = !top && typeof schema === 'object' ? NAMES.get(JSON.stringify(schema)) : undefined;
  if (name) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(schema)) return schema.map((item) => toJson(item));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = toJson(value);
  return out;
}

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

function operationOf(name: string, endpoint: Endpoint): Json {
  const operation: Json = { operationId: name };
  if (endpoint.summary) operation.summary = endpoint.summary;
  if (endpoint.description) operation.description = endpoint.description;
  if (endpoint.auth === 'sign-in') operation.security = [];
  if (endpoint.query) {
    operation.parameters = Object.entries(endpoint.query).map(([param, { schema, description }]) => ({
      name: param,
      in: 'query',
      required: false,
      ...(description ? { description } : {}),
      schema: toJson(schema),
    }));
  }
  if (endpoint.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: toJson(endpoint.body as TSchema) } },
    };
  }
  const responses: Json = {};
  for (const [status, answer] of Object.entries(endpoint.answers)) {
    responses[status] = answer.schema
      ? {
          description: answer.description,
          content: { 'application/json': { schema: toJson(answer.schema) } },
        }
      : { description: answer.description };
  }
  for (const [status, codes] of Object.entries(endpoint.errors)) {
    responses[status] = { description: codes, content: errorContent };
  }
  operation.responses = responses;
  return operation;
}

/** The OpenAPI 3.1 document of the account API. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const [name, endpoint] of Object.entries(API_ROUTES) as Array<[string, Endpoint]>) {
    const template = endpoint.path.replace(/:(\w+)/g, '{$1}');
    let entry = paths[template];
    if (!entry) {
      entry = {};
      const params = [...endpoint.path.matchAll(/:(\w+)/g)].map((match) => ({
        name: match[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      if (params.length > 0) entry.parameters = params;
      paths[template] = entry;
    }
    entry[endpoint.method.toLowerCase()] = operationOf(name, endpoint);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'scimbridge account API',
      version: '1',
      description:
        'What a bridge that runs apart from the account server uses: sign-in by challenge–response with the integration\'s Ed25519 signing key, then one endpoint per AccountClient method. Every request passes the account\'s firewall rules first. Errors are {code, message}; the code is stable. Generated from src/account/api/route-table.ts by "npm run openapi".',
    },
    servers: [{ url: API_PREFIX }],
    components: {
      securitySchemes: {
        apiSession: {
          type: 'http',
          scheme: 'bearer',
          description: `An API session token (sbs_…) from POST /sign-in; valid ${API_SESSION_TTL_SECONDS / 60} minutes, ended at once when credentials are regenerated or provisioning is turned off.`,
        },
      },
      schemas: Object.fromEntries(
        Object.entries(SCHEMAS).map(([name, schema]) => [name, toJson(schema, true)]),
      ),
    },
    security: [{ apiSession: [] }],
    paths,
  };
}

/** The document as the checked-in file holds it. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
