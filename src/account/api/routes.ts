/**
 * The account API under /api/v1: everything a separate bridge needs (one endpoint per
 * `AccountClient` method, plus sign-in) and nothing more. Documented in
 * docs/api/openapi.json; tests check real responses against that file.
 *
 * Every request first passes the firewall (P4), then — except the two sign-in steps — the
 * API session check, which also refuses a session whose credentials were regenerated (P2)
 * or whose provisioning is off (P3). Handlers call the same `AccountClient` that the
 * one-process bridge uses, so both transports share one implementation of every rule.
 */
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { AddressLimiter } from '../../address-limiter.ts';
import { ScimError } from '../../scim/errors.ts';
import { type AccountClient, type MemberView, membersAddedBy } from '../client.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { FirewallGate } from '../firewall/gate.ts';
import { listMembersAsStored } from '../list-members.ts';
import type { ApiSession } from '../model.ts';
import type { AccountMetrics } from '../server-metrics.ts';
import { asStorageFailure } from '../storage-failure.ts';
import { createChannelRegistry } from './channel.ts';
import { memberViewOf, storedMemberPageJson } from './member-json.ts';
import {
  API_ERROR_STATUS,
  API_PREFIX,
  type ApiErrorBody,
  type ApiErrorCode,
  KEY_CHAIN_CALL_BATCH,
} from './protocol.ts';
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
import { checkBridgeRelease } from './release-check.ts';
import { ApiAuthError, ApiRateLimitError, createApiSessionCheck, issueChallenge, signIn } from './sign-in.ts';

export interface AccountApiOptions {
  deps: AccountDeps;
  /** The in-process client over the same deps: the API is its HTTP face. */
  client: AccountClient;
  firewall: FirewallGate;
  logger: Logger;
  /** Counts channel messages (`/metrics`), as the server counts requests. */
  metrics?: Pick<AccountMetrics, 'recordRequest'>;
  /** Largest channel message, in bytes (requests: the route's `bodyLimit`, set by the server). */
  bodyLimit?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiSession?: ApiSession;
  }
}

const CHALLENGE_ROUTE = `${API_PREFIX}/sign-in/challenge`;
const CHANNEL_ROUTE = `${API_PREFIX}/channel`;
/** How long shutdown waits for channel messages under way. */
const CHANNEL_DRAIN_MS = 10_000;
const SIGN_IN_ROUTES = new Set([CHALLENGE_ROUTE, `${API_PREFIX}/sign-in`]);

/**
 * Sign-in requests (challenges and answers together) an address may make per minute. Every
 * attempt counts, refused or not, and a blocked one is answered before its body is read: a
 * challenge is a stored row and an answer a signature check, both open to anyone past the
 * firewall. A bridge makes two per sign-in (every quarter of an hour) and a successful
 * sign-in clears its address's count; a neighbour behind the same address who floods these
 * delays the bridge's next sign-in by at most a minute.
 */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 30;
/** A sign-in step's body is a few ids and a signature. */
const SIGN_IN_BODY_LIMIT = 2 * 1024;

export async function registerAccountApi(app: FastifyInstance, options: AccountApiOptions): Promise<void> {
  const { deps, client, firewall, logger, metrics } = options;
  const channels = createChannelRegistry(() => deps.clock.now().getTime());
  await app.register(websocket, {
    options: { maxPayload: options.bodyLimit ?? 1024 * 1024, perMessageDeflate: false },
    // Messages under way are finished before the server stops, as requests are.
    preClose: async () => {
      await channels.drain(CHANNEL_DRAIN_MS);
    },
  });
  const sessions = createApiSessionCheck(deps, { check: (keyId) => client.checkProvisioning(keyId) });
  const signInAttempts = new AddressLimiter({
    clock: deps.clock,
    maxAttempts: SIGN_IN_ATTEMPTS_PER_MINUTE,
    windowMs: 60_000,
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', checkBridgeRelease);
      api.addHook('onRequest', async (request) => {
        await firewall.check(request.ip);
        const route = request.routeOptions.url ?? '';
        if (SIGN_IN_ROUTES.has(route)) {
          const limit = signInAttempts.check(request.ip);
          if (limit.blocked) throw new ApiRateLimitError(limit.retryAfterSeconds);
          signInAttempts.record(request.ip);
          return;
        }
        request.apiSession = await sessions.authenticate(request.headers.authorization);
      });

      api.setErrorHandler((error: FastifyError | Error, request, reply) => {
        const body = toApiError(error);
        logRefusal(request.log, error, body, request.ip);
        return sendError(reply, body);
      });
      api.setNotFoundHandler((request, reply) =>
        sendError(reply, {
          code: 'not_found',
          message: `no such API endpoint: ${request.method} ${request.url.split('?')[0]}`,
        }),
      );

      api.post('/sign-in/challenge', { bodyLimit: SIGN_IN_BODY_LIMIT }, async (request) => {
        const body = objectBody(request.body);
        if (typeof body.keyId !== 'string') throw new ApiRequestError('"keyId" must be a string');
        return issueChallenge(deps, body.keyId);
      });

      api.post('/sign-in', { bodyLimit: SIGN_IN_BODY_LIMIT }, async (request) => {
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
        signInAttempts.clear(request.ip);
        logger.info({ keyId: body.keyId, address: request.ip }, 'bridge signed in to the account API');
        return result;
      });

      /**
       * `?include=groups` adds each returned member's groups, which the bridge needs for
       * almost every member it renders: one round trip instead of two (`groupsOfMembers`).
       */
      const withGroups = async (query: Query, member: MemberView) => {
        const view = memberViewOf(member);
        if (query.include !== 'groups') return view;
        const groups = await client.groupsOfMembers([member.id]);
        return { ...view, groups: groups.get(member.id) ?? [] };
      };

      const operations: Operation[] = [
        op('POST', '/provisioning/check', async ({ body }) => {
          const keyId = objectBody(body).keyId;
          if (typeof keyId !== 'string') throw new ApiRequestError('"keyId" must be a string');
          await client.checkProvisioning(keyId);
          return { status: 204 };
        }),
        op('POST', '/members', async ({ body, query }) => ({
          status: 201,
          body: await withGroups(query, await client.createMember(memberInputFrom(objectBody(body).input))),
        })),
        // Straight to the use case, not through `client`: the page is written with each
        // member's profile as the stored JSON text (member-json.ts), which the client's parsed
        // `MemberView`s cannot give. A bridge's sweep reads every member, and parsing each
        // profile only to encode it again was one of the largest costs of a page. The
        // firewall and session checks above apply as to every operation.
        op('POST', '/members/search', async ({ body, query }) => {
          const page = await listMembersAsStored(deps, memberListQueryFrom(objectBody(body).query));
          if (query.include !== 'groups' || page.items.length === 0) {
            return { status: 200, json: storedMemberPageJson(page) };
          }
          const groups = await client.groupsOfMembers(page.items.map((member) => member.id));
          return { status: 200, json: storedMemberPageJson(page, groups) };
        }),
        op('POST', '/members/groups', async ({ body }) => {
          const groups = await client.groupsOfMembers(idList(objectBody(body).memberIds, 'memberIds'));
          return { status: 200, body: { groups: Object.fromEntries(groups) } };
        }),
        op('GET', '/members/:id', async ({ params, query }) => ({
          status: 200,
          body: await withGroups(query, await client.getMember(params.id!)),
        })),
        op('PUT', '/members/:id', async ({ params, query, body }) => {
          const input = objectBody(body);
          const member = await client.updateMember(
            params.id!,
            memberInputFrom(input.input),
            optionalVersion(input),
          );
          return { status: 200, body: await withGroups(query, member) };
        }),
        op('POST', '/members/:id/active', async ({ params, query, body }) => {
          const input = objectBody(body);
          if (typeof input.active !== 'boolean') throw new ApiRequestError('"active" must be true or false');
          const member = await client.setMemberActive(params.id!, input.active, optionalVersion(input));
          return { status: 200, body: await withGroups(query, member) };
        }),
        op('DELETE', '/members/:id', async ({ params }) => {
          await client.deleteMember(params.id!);
          return { status: 204 };
        }),
        op('POST', '/groups', async ({ body }) => {
          const input = objectBody(body);
          const group = await client.createGroup(
            groupInputFrom(input.input),
            idList(input.memberIds ?? [], 'memberIds'),
          );
          return { status: 201, body: group };
        }),
        op('POST', '/groups/search', async ({ body }) => ({
          status: 200,
          body: await client.listGroups(groupListQueryFrom(objectBody(body).query)),
        })),
        op('GET', '/groups/:id', async ({ params }) => ({
          status: 200,
          body: await client.getGroup(params.id!),
        })),
        op('PUT', '/groups/:id', async ({ params, body }) => {
          const input = objectBody(body);
          return {
            status: 200,
            body: await client.updateGroup(params.id!, groupInputFrom(input.input), optionalVersion(input)),
          };
        }),
        /**
         * `?include=missingKeyShares` adds, for the members the change added, the key shares
         * the group still lacks (`findMissingKeyShares`): the bridge shares the group's key with
         * new members right after every membership change, and this saves that round trip.
         */
        op('POST', '/groups/:id/membership', async ({ params, query, body }) => {
          const input = objectBody(body);
          const change = membershipChangeFrom(input.change);
          const attributes =
            input.attributes === undefined ? undefined : groupInputFrom(input.attributes, '"attributes"');
          const group = await client.changeGroupMembers(
            params.id!,
            change,
            optionalVersion(input),
            attributes,
          );
          const added = membersAddedBy(change);
          if (query.include !== 'missingKeyShares' || added.length > KEY_CHAIN_CALL_BATCH) {
            return { status: 200, body: group };
          }
          // The change is made: a failure here must not turn its answer into an error. Without
          // the list the bridge asks for it itself.
          const missingKeyShares =
            added.length === 0
              ? []
              : await client
                  .findMissingKeyShares({ groupId: group.id, memberIds: added })
                  .catch((error: unknown) => {
                    logger.warn({ err: error, groupId: group.id }, 'missing key shares not looked up');
                    return undefined;
                  });
          return { status: 200, body: missingKeyShares ? { ...group, missingKeyShares } : group };
        }),
        op('GET', '/groups/:id/members', async ({ params, query }) => {
          const limit = Number(query.limit ?? '100');
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
            throw new ApiRequestError('"limit" must be a whole number from 1 to 10000');
          }
          const after = query.after;
          const members = await client.listGroupMembers(
            params.id!,
            after ? { afterMemberId: after, limit } : { limit },
          );
          return { status: 200, body: { members } };
        }),
        op('DELETE', '/groups/:id', async ({ params }) => {
          await client.deleteGroup(params.id!);
          return { status: 204 };
        }),

        // The key chain and the provision watcher (DESIGN.md, "the key chain"). Inputs are
        // checked by the use cases (shapes, batch sizes); the account opens nothing it is sent.
        op('POST', '/group-keys/lookup', async ({ body }) => ({
          status: 200,
          body: { keys: await client.getGroupKeys(idList(objectBody(body).groupIds, 'groupIds')) },
        })),
        op('POST', '/group-keys', async ({ body }) => ({
          status: 200,
          body: { keys: await client.addGroupKeys(list(objectBody(body).keys, 'keys')) },
        })),
        op('POST', '/group-keys/provisioning', async ({ body }) => ({
          status: 200,
          body: {
            keys: await client.listProvisioningGroupKeys(pageFrom(objectBody(body).page, 'afterGroupId')),
          },
        })),
        op('POST', '/group-keys/reseal', async ({ body }) => ({
          status: 200,
          body: { replaced: await client.resealGroupKeys(list(objectBody(body).keys, 'keys')) },
        })),
        op('POST', '/key-shares/missing', async ({ body }) => {
          const query = objectBody(objectBody(body).query, '"query"');
          return {
            status: 200,
            body: {
              missing: await client.findMissingKeyShares(
                'groupId' in query
                  ? { groupId: query.groupId as string, memberIds: idList(query.memberIds, 'memberIds') }
                  : (query as { after?: { memberId: string; groupId: string }; limit: number }),
              ),
            },
          };
        }),
        op('POST', '/key-shares', async ({ body }) => ({
          status: 200,
          body: { added: await client.addKeyShares(list(objectBody(body).shares, 'shares')) },
        })),
        op('POST', '/confirmations/pending', async ({ body }) => ({
          status: 200,
          body: {
            pending: await client.listPendingConfirmations(pageFrom(objectBody(body).page, 'afterMemberId')),
          },
        })),
        op('POST', '/confirmations', async ({ body }) => {
          const input = objectBody(objectBody(body).input, '"input"');
          return {
            status: 200,
            body: await client.confirmMember({
              memberId: input.memberId as string,
              expectedVersion: input.expectedVersion as number,
              shares: list(input.shares, 'shares'),
            }),
          };
        }),
        op('GET', '/sign-ups/count', async () => ({
          status: 200,
          body: { count: await client.signUpCounter() },
        })),
        // P7: a separate bridge asks whether a monitoring token is current. A string that is
        // not shaped like one is just not valid (200); only a body without a string "token"
        // is a malformed request. Neither answer nor error repeats the token.
        op('POST', '/monitoring-tokens/check', async ({ body }) => {
          const token = objectBody(body).token;
          if (typeof token !== 'string') throw new ApiRequestError('"token" must be a string');
          return { status: 200, body: { valid: await client.checkMonitoringToken(token) } };
        }),
      ];

      for (const operation of operations) {
        api.route({
          method: operation.method,
          url: operation.path,
          handler: async (request, reply) => {
            const result = await operation.handle({
              params: request.params as Record<string, string>,
              query: request.query as Query,
              body: request.body,
            });
            reply.code(result.status);
            if (result.json !== undefined) return reply.header('content-type', JSON_TYPE).send(result.json);
            return result.body === undefined ? reply.send() : reply.send(result.body);
          },
        });
      }

      /**
       * Several calls in one exchange: the bridge sends the calls that its concurrent SCIM
       * requests make while an exchange is under way together, which saves a round trip (and
       * its system calls on both sides) per call. Each call runs exactly as its own request
       * would, concurrently with the others; each gets its own answer or error.
       */
      const runBatch = async (calls: unknown, log: FastifyBaseLogger): Promise<string> => {
        if (!Array.isArray(calls) || calls.length === 0 || calls.length > MAX_BATCH) {
          throw new ApiRequestError(`"calls" must be a list of 1 to ${MAX_BATCH} calls`);
        }
        const results = await Promise.all(
          calls.map(async (call: unknown) => {
            try {
              const { operation, params, query, body } = route(operations, call);
              const result = await operation.handle({ params, query, body });
              return result.body === undefined && result.json === undefined
                ? { status: result.status }
                : result;
            } catch (error) {
              const body = toApiError(error);
              if (body.code === 'internal_error' || body.code === 'storage_unavailable') {
                log.error({ err: error, code: body.code }, 'account API call failed');
              }
              return { status: errorStatus(body), body };
            }
          }),
        );
        // A pre-encoded answer goes into the batch answer as it is: the same JSON as
        // `{ results }` with that answer's body parsed.
        const parts = results.map((result) =>
          result.json === undefined
            ? JSON.stringify(result)
            : `{"status":${JSON.stringify(result.status)},"body":${result.json}}`,
        );
        return `{"results":[${parts.join(',')}]}`;
      };

      api.post('/batch', async (request, reply) =>
        reply
          .header('content-type', JSON_TYPE)
          .send(await runBatch(objectBody(request.body).calls, request.log)),
      );

      // The same batches over one open connection (channel.ts). The opening request has
      // passed the firewall and the session check above; each message passes them again.
      api.route({
        method: 'GET',
        url: '/channel',
        handler: async () => {
          throw new ApiRequestError(
            'the channel is a WebSocket: open it with "Connection: Upgrade" and "Upgrade: websocket"',
          );
        },
        wsHandler: (socket, request) => {
          const session = request.apiSession!;
          const address = request.ip;
          const authorization = request.headers.authorization;
          logger.info({ keyId: session.keyId, address }, 'bridge opened an account API channel');
          socket.on('close', (code) =>
            logger.info({ keyId: session.keyId, address, code }, 'account API channel closed'),
          );
          channels.serve(
            socket,
            {
              async admit() {
                await firewall.check(address);
                await sessions.authenticate(authorization);
              },
              run: (calls) => runBatch(calls, request.log).then((json) => ({ status: 200, json })),
              refusal(error) {
                const body = toApiError(error);
                logRefusal(request.log, error, body, address);
                return { status: errorStatus(body), body };
              },
              expiresAtMs: Date.parse(session.expiresAt),
              answered(status, calls, seconds) {
                request.log.info(
                  {
                    method: 'MESSAGE',
                    path: CHANNEL_ROUTE,
                    calls,
                    status,
                    durationMs: Math.round(seconds * 1000),
                  },
                  'request',
                );
                metrics?.recordRequest(CHANNEL_ROUTE, 'MESSAGE', status, seconds);
              },
            },
            request.log,
          );
        },
      });
    },
    { prefix: API_PREFIX },
  );
}

type Query = Record<string, string | undefined>;

/** A JSON list of objects; each item's fields are checked by the use case. */
function list<T>(value: unknown, field: string): T[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null)) {
    throw new ApiRequestError(`"${field}" must be a list of objects`);
  }
  return value as T[];
}

/** `{ limit, <after>? }` for a keyset page. */
function pageFrom<K extends string>(
  value: unknown,
  after: K,
): { limit: number } & Partial<Record<K, string>> {
  const page = objectBody(value, '"page"');
  if (page[after] !== undefined && typeof page[after] !== 'string') {
    throw new ApiRequestError(`"page.${after}" must be a string`);
  }
  return page as { limit: number } & Partial<Record<K, string>>;
}

/**
 * An operation's answer: a body for fastify to encode, or (`json`) the body already encoded,
 * which the route and `/batch` send as it is.
 */
type OperationResult =
  | { status: number; body?: unknown; json?: undefined }
  | { status: number; json: string; body?: undefined };

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  pattern: RegExp;
  names: string[];
  handle(input: { params: Record<string, string>; query: Query; body: unknown }): Promise<OperationResult>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export const MAX_BATCH = 100;

function op(method: Operation['method'], path: string, handle: Operation['handle']): Operation {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_match, name: string) => {
      names.push(name);
      return '([^/?#]+)';
    })}$`,
  );
  return { method, path, pattern, names, handle };
}

/** Finds the operation a batch call names: `{method, path (with query), body}`, as its own request would. */
function route(
  operations: readonly Operation[],
  call: unknown,
): { operation: Operation; params: Record<string, string>; query: Query; body: unknown } {
  const { method, path, body } = objectBody(call, 'a call') as {
    method?: unknown;
    path?: unknown;
    body?: unknown;
  };
  if (typeof method !== 'string' || typeof path !== 'string' || path.length > 2048) {
    throw new ApiRequestError('a call needs "method" and "path"');
  }
  const [pathname = '', search = ''] = path.split('?', 2);
  for (const operation of operations) {
    if (operation.method !== method) continue;
    const match = operation.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    try {
      operation.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1]!);
      });
    } catch {
      throw new ApiRequestError("a call's path is not properly encoded");
    }
    const query: Query = Object.fromEntries(new URLSearchParams(search));
    return { operation, params, query, body };
  }
  throw new ApiRequestError(`no such API operation: ${method.slice(0, 10)} ${pathname.slice(0, 100)}`);
}

/** A SCIM error keeps its own status (the bridge passes it on); every other code has one. */
function errorStatus(body: ApiErrorBody): number {
  return body.scimStatus ?? API_ERROR_STATUS[body.code];
}

/** Failures the operator should see: our own errors, and refusals of the bridge's address or key. */
function logRefusal(log: FastifyBaseLogger, error: unknown, body: ApiErrorBody, address: string): void {
  if (body.code === 'internal_error') log.error({ err: error }, 'account API request failed');
  else if (body.code === 'storage_unavailable') {
    log.error(
      { err: error, code: body.code, detail: body.message },
      'account API refused: the database cannot be written',
    );
  } else if (
    body.code === 'firewall_blocked' ||
    body.code === 'sign_in_failed' ||
    body.code === 'rate_limited'
  ) {
    log.warn({ address, code: body.code, detail: body.message }, 'account API refused');
  }
}

function sendError(reply: FastifyReply, body: ApiErrorBody): FastifyReply {
  if (body.retryAfterSeconds !== undefined) reply.header('retry-after', String(body.retryAfterSeconds));
  return reply
    .code(errorStatus(body))
    .header('content-type', JSON_TYPE)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(body));
}

function toApiError(failure: unknown): ApiErrorBody {
  const error = asStorageFailure(failure) ?? failure;
  if (error instanceof AccountError && error.code === 'storage_unavailable') {
    return { code: error.code, message: error.message, retryAfterSeconds: 30 };
  }
  if (error instanceof AccountError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.address !== undefined ? { address: error.address } : {}),
      ...(error.rule !== undefined ? { rule: error.rule } : {}),
    };
  }
  if (error instanceof ApiAuthError) return { code: error.code, message: error.message };
  if (error instanceof ApiRateLimitError) {
    return { code: 'rate_limited', message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
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
