/** Discovery endpoints (RFC 7644 §4): they advertise exactly what the handlers do. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { resourceType, resourceTypes, schema, schemas, serviceProviderConfig } from '../../scim/discovery.ts';
import { notFound } from '../../scim/errors.ts';
import { listResponse } from '../../scim/list-response.ts';
import type { ScimContext, ScimResult } from './context.ts';

export function discoveryRoutes(
  scim: FastifyInstance,
  ctx: ScimContext,
  send: (reply: FastifyReply, result: ScimResult) => FastifyReply,
): void {
  const config = serviceProviderConfig({
    bulk: { maxOperations: ctx.bulkMaxOperations, maxPayloadSize: ctx.maxBodyBytes },
    filterMaxResults: ctx.maxPageSize,
    etag: true,
    changePassword: false,
    sort: true,
  });
  const ok = (body: unknown): ScimResult => ({ status: 200, body });

  scim.get('/ServiceProviderConfig', { config: { scimOperation: 'discovery' } }, async (_request, reply) =>
    send(reply, ok(config)),
  );
  scim.get('/ResourceTypes', { config: { scimOperation: 'discovery' } }, async (_request, reply) => {
    const all = resourceTypes(ctx.baseUrl);
    return send(reply, ok(listResponse(all, all.length, 1)));
  });
  scim.get('/ResourceTypes/:name', { config: { scimOperation: 'discovery' } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const found = resourceType(ctx.baseUrl, name);
    if (found === undefined) throw notFound(`no resource type named ${name}`);
    return send(reply, ok(found));
  });
  scim.get('/Schemas', { config: { scimOperation: 'discovery' } }, async (_request, reply) => {
    const all = schemas(ctx.baseUrl);
    return send(reply, ok(listResponse(all, all.length, 1)));
  });
  scim.get('/Schemas/:id', { config: { scimOperation: 'discovery' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = schema(ctx.baseUrl, id);
    if (found === undefined) throw notFound(`no schema with id ${id}`);
    return send(reply, ok(found));
  });
}
