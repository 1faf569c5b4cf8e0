/**
 * The account API under /api/v1: everything a separate bridge needs (one endpoint per
 * `AccountClient` method, plus sign-in) and nothing more. Documented in
 * docs/api/openapi.yaml; tests check real responses against that file.
 *
 * Every request first passes the firewall (P4), then — except the two sign-in steps — the
 * API session check, which also refuses a session whose credentials were regenerated (P2)
 * or whose provisioning is off (P3). Handlers call the same `AccountClient` that the
 * one-process bridge uses, so both transports share one implementation of every rule.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { ScimError } from '../../scim/errors.ts';
import type { AccountClient } from '../client.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { FirewallGate } from '../firewall/gate.ts';
import type { ApiSession, Member } from '../model.ts';
import { API_ERROR_STATUS, API_PREFIX, type ApiErrorBody, type ApiErrorCode } from './protocol.ts';
import {
  ApiRequestError,
  groupInputFrom,
  groupListQueryFrom,
  idList,
  memberInputFrom,
  memberListQueryFrom,
  membershipChangeFrom,
  objectBody,
  optionalVersion,
} from './read-request.ts';
import { ApiAuthError, createApiSessionCheck, issueChallenge, signIn } from './sign-in.ts';

export interface AccountApiOptions {
  deps: AccountDeps;
  /** The in-process client over the same deps: the API is its HTTP face. */
  client: AccountClient;
  firewall: FirewallGate;
  logger: Logger;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiSession?: ApiSession;
  }
}

const SIGN_IN_ROUTES = new Set([`${API_PREFIX}/sign-in/challenge`, `${API_PREFIX}/sign-in`]);

export async function registerAccountApi(app: FastifyInstance, options: AccountApiOptions): Promise<void> {
  const { deps, client, firewall, logger } = options;
  const sessions = createApiSessionCheck(deps, { check: (keyId) => client.checkProvisioning(keyId) });

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        await firewall.check(request.ip);
        if (SIGN_IN_ROUTES.has(request.routeOptions.url ?? '')) return;
        request.apiSession = await sessions.authenticate(request.headers.authorization);
      });

      api.setErrorHandler((error: FastifyError | Error, request, reply) => {
        const body = toApiError(error);
        if (body.code === 'internal_error') request.log.error({ err: error }, 'account API request failed');
        else if (body.code === 'firewall_blocked' || body.code === 'sign_in_failed') {
          request.log.warn(
            { address: request.ip, code: body.code, detail: body.message },
            'account API refused',
          );
        }
        return sendError(reply, body);
      });
      api.setNotFoundHandler((request, reply) =>
        sendError(reply, {
          code: 'not_found',
          message: `no such API endpoint: ${request.method} ${request.url.split('?')[0]}`,
        }),
      );

      api.post('/sign-in/challenge', async (request) => {
        const body = objectBody(request.body);
        if (typeof body.keyId !== 'string') throw new ApiRequestError('"keyId" must be a string');
        return issueChallenge(deps, body.keyId);
      });

      api.post('/sign-in', async (request) => {
        const body = objectBody(request.body);
        for (const field of ['challengeId', 'keyId', 'signature'] as const) {
          if (typeof body[field] !== 'string' || (body[field] as string).length > 200) {
            throw new ApiRequestError(`"${field}" must be a string`);
          }
        }
        const result = await signIn(deps, {
          challengeId: body.challengeId as string,
          keyId: body.keyId as string,
          signature: body.signature as string,
          address: request.ip,
        });
        logger.info({ keyId: body.keyId, address: request.ip }, 'bridge signed in to the account API');
        return result;
      });

      api.post('/provisioning/check', async (request, reply) => {
        const body = objectBody(request.body);
        if (typeof body.keyId !== 'string') throw new ApiRequestError('"keyId" must be a string');
        await client.checkProvisioning(body.keyId);
        return reply.code(204).send();
      });

      /**
       * `?include=groups` adds each returned member's groups, which the bridge needs for
       * almost every member it renders: one round trip instead of two (`groupsOfMembers`).
       */
      const withGroups = async (request: { query: unknown }, member: Member) => {
        if (!includesGroups(request.query)) return member;
        const groups = await client.groupsOfMembers([member.id]);
        return { ...member, groups: groups.get(member.id) ?? [] };
      };

      api.post('/members', async (request, reply) => {
        const body = objectBody(request.body);
        return reply
          .code(201)
          .send(await withGroups(request, await client.createMember(memberInputFrom(body.input))));
      });
      api.post('/members/search', async (request) => {
        const page = await client.listMembers(memberListQueryFrom(objectBody(request.body).query));
        if (!includesGroups(request.query) || page.items.length === 0) return page;
        const groups = await client.groupsOfMembers(page.items.map((member) => member.id));
        // Every member on the page gets an entry, an empty list too: the bridge can tell "no groups" from "not asked".
        return { ...page, groups: Object.fromEntries(page.items.map((member) => [member.id, groups.get(member.id) ?? []])) };
      });
      api.post('/members/groups', async (request) => {
        const groups = await client.groupsOfMembers(idList(objectBody(request.body).memberIds, 'memberIds'));
        return { groups: Object.fromEntries(groups) };
      });
      api.get<{ Params: { id: string } }>('/members/:id', async (request) =>
        withGroups(request, await client.getMember(request.params.id)),
      );
      api.put<{ Params: { id: string } }>('/members/:id', async (request) => {
        const body = objectBody(request.body);
        return withGroups(
          request,
          await client.updateMember(request.params.id, memberInputFrom(body.input), optionalVersion(body)),
        );
      });
      api.delete<{ Params: { id: string } }>('/members/:id', async (request, reply) => {
        await client.deleteMember(request.params.id);
        return reply.code(204).send();
      });

      api.post('/groups', async (request, reply) => {
        const body = objectBody(request.body);
        const group = await client.createGroup(
          groupInputFrom(body.input),
          idList(body.memberIds ?? [], 'memberIds'),
        );
        return reply.code(201).send(group);
      });
      api.post('/groups/search', async (request) =>
        client.listGroups(groupListQueryFrom(objectBody(request.body).query)),
      );
      api.get<{ Params: { id: string } }>('/groups/:id', async (request) =>
        client.getGroup(request.params.id),
      );
      api.put<{ Params: { id: string } }>('/groups/:id', async (request) => {
        const body = objectBody(request.body);
        return client.updateGroup(request.params.id, groupInputFrom(body.input), optionalVersion(body));
      });
      api.post<{ Params: { id: string } }>('/groups/:id/membership', async (request) => {
        const body = objectBody(request.body);
        return client.changeGroupMembers(
          request.params.id,
          membershipChangeFrom(body.change),
          optionalVersion(body),
        );
      });
      api.get<{ Params: { id: string }; Querystring: { after?: string; limit?: string } }>(
        '/groups/:id/members',
        async (request) => {
          const limit = Number(request.query.limit ?? '100');
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
            throw new ApiRequestError('"limit" must be a whole number from 1 to 10000');
          }
          const after = request.query.after;
          const members = await client.listGroupMembers(
            request.params.id,
            after ? { afterMemberId: after, limit } : { limit },
          );
          return { members };
        },
      );
      api.delete<{ Params: { id: string } }>('/groups/:id', async (request, reply) => {
        await client.deleteGroup(request.params.id);
        return reply.code(204).send();
      });
    },
    { prefix: API_PREFIX },
  );
}

function includesGroups(query: unknown): boolean {
  return (query as { include?: unknown } | undefined)?.include === 'groups';
}

function sendError(reply: FastifyReply, body: ApiErrorBody): FastifyReply {
  return reply
    .code(body.scimStatus ?? API_ERROR_STATUS[body.code])
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(JSON.stringify(body));
}

function toApiError(error: unknown): ApiErrorBody {
  if (error instanceof AccountError) return { code: error.code, message: error.message };
  if (error instanceof ApiAuthError) return { code: error.code, message: error.message };
  if (error instanceof ApiRequestError) return { code: 'invalid_request', message: error.message };
  if (error instanceof ScimError && error.status >= 400 && error.status < 500) {
    return {
      code: 'scim_error',
      message: error.detail,
      scimStatus: error.status,
      ...(error.scimType ? { scimType: error.scimType } : {}),
    };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own request errors: body too large, not JSON, wrong content type.
    const code: ApiErrorCode = 'invalid_request';
    return { code, message: (error as Error).message };
  }
  return { code: 'internal_error', message: 'the account server failed; its log has the details' };
}
