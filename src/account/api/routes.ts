/**
 * Firewall (P4), then the session check (P2, P3) on all but sign-in. Handlers call the same
 * `AccountClient` as the one-process bridge, so both transports share every rule.
 */
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AddressLimiter } from '../../address-limiter.ts';
import type { AccountClient } from '../client.ts';
import type { AccountDeps } from '../deps.ts';
import type { FirewallGate } from '../firewall/gate.ts';
import type { ApiSession } from '../model.ts';
import type { AccountMetrics } from '../server-metrics.ts';
import { errorStatus, JSON_TYPE, logRefusal, sendError, toApiError } from './api-errors.ts';
import { createChannelRegistry } from './channel.ts';
import { createOperations, findOperation, type Query } from './operations.ts';
import { API_PREFIX } from './protocol.ts';
import { checkBridgeRelease } from './release-check.ts';
import { API_ROUTES, MAX_BATCH } from './route-table.ts';
import { ApiRateLimitError, createApiSessionCheck, issueChallenge, signIn } from './sign-in.ts';
import { ApiRequestError, checkBody, validatorCompiler } from './validation.ts';

export interface AccountApiOptions {
  deps: AccountDeps;
  client: AccountClient;
  firewall: FirewallGate;
  logger: Logger;
  metrics?: Pick<AccountMetrics, 'recordRequest'>;
  bodyLimit?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiSession?: ApiSession;
  }
}

const CHANNEL_ROUTE = `${API_PREFIX}/channel`;
const CHANNEL_DRAIN_MS = 10_000;
const SIGN_IN_ROUTES = new Set(
  Object.values(API_ROUTES)
    .filter((endpoint) => endpoint.auth === 'sign-in')
    .map((endpoint) => `${API_PREFIX}${endpoint.path}`),
);

/** Every attempt counts and blocked ones are refused before the body is read: both steps cost work for anyone past the firewall. */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 30;
const SIGN_IN_BODY_LIMIT = 2 * 1024;

export async function registerAccountApi(app: FastifyInstance, options: AccountApiOptions): Promise<void> {
  const { deps, client, firewall, logger, metrics } = options;
  const channels = createChannelRegistry(() => deps.clock.now().getTime());
  await app.register(websocket, {
    options: { maxPayload: options.bodyLimit ?? 1024 * 1024, perMessageDeflate: false },
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

      api.setValidatorCompiler(validatorCompiler);

      api.post(
        API_ROUTES.signInChallenge.path,
        { bodyLimit: SIGN_IN_BODY_LIMIT, schema: { body: API_ROUTES.signInChallenge.body } },
        async (request) => issueChallenge(deps, checkBody('signInChallenge', request.body).keyId),
      );

      api.post(
        API_ROUTES.signIn.path,
        { bodyLimit: SIGN_IN_BODY_LIMIT, schema: { body: API_ROUTES.signIn.body } },
        async (request) => {
          const body = checkBody('signIn', request.body);
          const result = await signIn(deps, { ...body, address: request.ip });
          signInAttempts.clear(request.ip);
          logger.info({ keyId: body.keyId, address: request.ip }, 'bridge signed in to the account API');
          return result;
        },
      );

      const operations = createOperations(deps, client, logger);
      for (const operation of operations) {
        const endpoint = API_ROUTES[operation.name];
        api.route({
          method: operation.method,
          url: operation.path,
          ...('body' in endpoint ? { schema: { body: endpoint.body } } : {}),
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

      /** Saves a round trip per call; each call runs exactly as its own request would. */
      const runBatch = async (calls: unknown, log: FastifyBaseLogger): Promise<string> => {
        if (!Array.isArray(calls) || calls.length === 0 || calls.length > MAX_BATCH) {
          throw new ApiRequestError(`"calls" must be a list of 1 to ${MAX_BATCH} calls`);
        }
        const results = await Promise.all(
          calls.map(async (call: unknown) => {
            try {
              const { operation, params, query, body } = findOperation(operations, call);
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
        // Pre-encoded answers are spliced in, not re-parsed.
        const parts = results.map((result) =>
          result.json === undefined
            ? JSON.stringify(result)
            : `{"status":${JSON.stringify(result.status)},"body":${result.json}}`,
        );
        return `{"results":[${parts.join(',')}]}`;
      };

      api.post(API_ROUTES.batch.path, async (request, reply) =>
        reply.header('content-type', JSON_TYPE).send(await runBatch(batchCalls(request.body), request.log)),
      );

      // Each channel message passes the firewall and session check again.
      api.route({
        method: API_ROUTES.openChannel.method,
        url: API_ROUTES.openChannel.path,
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

function batchCalls(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiRequestError('the request body must be a JSON object');
  }
  const extra = Object.keys(body).find((key) => key !== 'calls');
  if (extra !== undefined) {
    throw new ApiRequestError(`the request body has an unknown field ${JSON.stringify(extra.slice(0, 64))}`);
  }
  return (body as { calls?: unknown }).calls;
}
