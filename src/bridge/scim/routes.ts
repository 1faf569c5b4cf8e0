/**
 * The SCIM HTTP surface under /scim/v2: parse, authenticate, call a handler, render. Thin on
 * purpose; rules live in the handlers and in src/scim.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { methodNotAllowed, notFound } from '../../scim/errors.ts';
import { parseSearchRequest } from '../../scim/list-query.ts';
import type { Authenticator } from './auth.ts';
import { executeBulk } from './bulk.ts';
import { responseContentType } from './content-type.ts';
import type { ScimContext, ScimRequest, ScimResult } from './context.ts';
import { discoveryRoutes } from './discovery.ts';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups.ts';
import { searchAll } from './search.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users.ts';

export const SCIM_PREFIX = '/scim/v2';
export { SCIM_CONTENT_TYPE } from './content-type.ts';

type Handler = (ctx: ScimContext, id: string, req: ScimRequest) => Promise<ScimResult>;
type CollectionHandler = (ctx: ScimContext, req: ScimRequest) => Promise<ScimResult>;

/** The operation name each route logs and counts under. */
declare module 'fastify' {
  interface FastifyContextConfig {
    scimOperation?: string;
  }
}

export function registerScimRoutes(app: FastifyInstance, ctx: ScimContext, auth: Authenticator): void {
  app.register(
    async (scim) => {
      // A callback hook: the known token is let through without a promise (auth.ts).
      scim.addHook('onRequest', (request, _reply, done) => {
        let pending: Promise<void> | undefined;
        try {
          pending = auth.authenticate(request.headers.authorization, request.ip);
        } catch (error) {
          done(error as Error);
          return;
        }
        if (pending === undefined) done();
        else pending.then(() => done(), done);
      });

      const collection = (
        method: 'GET' | 'POST',
        url: string,
        operation: string,
        handler: CollectionHandler,
      ) =>
        scim.route({
          method,
          url,
          config: { scimOperation: operation },
          handler: async (request, reply) => send(reply, await handler(ctx, scimRequest(request))),
        });
      const item = (
        method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
        url: string,
        operation: string,
        handler: Handler,
      ) =>
        scim.route({
          method,
          url,
          config: { scimOperation: operation },
          handler: async (request, reply) =>
            send(reply, await handler(ctx, (request.params as { id: string }).id, scimRequest(request))),
        });

      collection('GET', '/Users', 'users.list', listUsers);
      collection('POST', '/Users', 'users.create', createUser);
      collection('POST', '/Users/.search', 'users.search', (c, r) =>
        listUsers(c, { ...r, query: searchQuery(r) }),
      );
      collection('POST', '/.search', 'search', (c, r) => searchAll(c, { ...r, query: searchQuery(r) }));
      item('GET', '/Users/:id', 'users.get', getUser);
      item('PUT', '/Users/:id', 'users.replace', replaceUser);
      item('PATCH', '/Users/:id', 'users.patch', patchUser);
      item('DELETE', '/Users/:id', 'users.delete', deleteUser);

      collection('GET', '/Groups', 'groups.list', listGroups);
      collection('POST', '/Groups', 'groups.create', createGroup);
      collection('POST', '/Groups/.search', 'groups.search', (c, r) =>
        listGroups(c, { ...r, query: searchQuery(r) }),
      );
      item('GET', '/Groups/:id', 'groups.get', getGroup);
      item('PUT', '/Groups/:id', 'groups.replace', replaceGroup);
      item('PATCH', '/Groups/:id', 'groups.patch', patchGroup);
      item('DELETE', '/Groups/:id', 'groups.delete', deleteGroup);

      collection('POST', '/Bulk', 'bulk', executeBulk);
      discoveryRoutes(scim, ctx, send);

      // A known endpoint asked with a method it does not serve is 405 with Allow (RFC 9110
      // §15.5.6), not 404. The refusal runs in onRequest, before any body is read: discovery
      // documents are read-only (RFC 7644 §4), whatever is sent to them.
      for (const [url, allowed] of ALLOWED_METHODS) refuseOtherMethods(scim, url, allowed);

      scim.setNotFoundHandler(async (request) => {
        throw notFound(`no SCIM endpoint ${request.method} ${request.url.split('?')[0]}`);
      });
    },
    { prefix: SCIM_PREFIX },
  );
}

function scimRequest(request: FastifyRequest): ScimRequest {
  const req: ScimRequest = { query: (request.query ?? {}) as Record<string, unknown>, body: request.body };
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  if (typeof ifMatch === 'string') req.ifMatch = ifMatch;
  if (typeof ifNoneMatch === 'string') req.ifNoneMatch = ifNoneMatch;
  return req;
}

/**
 * POST /.search carries the list parameters in a SearchRequest body (RFC 7644 §3.4.3); a
 * body that is not one (no object, no SearchRequest schema) is 400 invalidSyntax.
 */
function searchQuery(req: ScimRequest): Record<string, unknown> {
  return { ...parseSearchRequest(req.body) };
}

const ITEM_METHODS: HTTPMethods[] = ['GET', 'PUT', 'PATCH', 'DELETE'];

/** Every endpoint and the methods it serves; HEAD comes with GET. */
const ALLOWED_METHODS: ReadonlyArray<[string, HTTPMethods[]]> = [
  ['/Users', ['GET', 'POST']],
  ['/Users/.search', ['POST']],
  ['/Users/:id', ITEM_METHODS],
  ['/Groups', ['GET', 'POST']],
  ['/Groups/.search', ['POST']],
  ['/Groups/:id', ITEM_METHODS],
  ['/.search', ['POST']],
  ['/Bulk', ['POST']],
  ['/ServiceProviderConfig', ['GET']],
  ['/ResourceTypes', ['GET']],
  ['/ResourceTypes/:name', ['GET']],
  ['/Schemas', ['GET']],
  ['/Schemas/:id', ['GET']],
];

const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function refuseOtherMethods(scim: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  const others = METHODS.filter((method) => !allowed.includes(method));
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  scim.route({
    method: others,
    url,
    config: { scimOperation: 'method_not_allowed' },
    onRequest: async (request, reply) => {
      reply.header('allow', allow);
      throw methodNotAllowed(
        `${request.method} is not allowed on ${request.url.split('?')[0]}; this endpoint answers ${allow}`,
      );
    },
    handler: async () => undefined,
  });
}

export function send(reply: FastifyReply, result: ScimResult): FastifyReply {
  reply.code(result.status);
  if (result.etag !== undefined) reply.header('etag', result.etag);
  if (result.location !== undefined && result.status === 201) reply.header('location', result.location);
  if (result.body === undefined && result.encoded === undefined) return reply.send();
  reply.header('content-type', responseContentType(reply.request.headers));
  return reply.send(result.encoded ?? JSON.stringify(result.body));
}
