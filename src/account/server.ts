import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AddressLimiter } from '../address-limiter.ts';
import { type Clock, type IdGenerator, randomIds, systemClock } from '../clock.ts';
import { acceptStrictJson } from '../json-body.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics.ts';
import { addSecurityHeaders } from '../security-headers.ts';
import { API_MAX_JSON_DEPTH, API_PREFIX } from './api/protocol.ts';
import { type AccountApiOptions, registerAccountApi } from './api/routes.ts';
import { type ConsoleSessionSettings, DEFAULT_CONSOLE_SESSIONS } from './console/admin-sign-in.ts';
import type { LocalWatcherStatus } from './console/overview.ts';
import { registerConsoleRoutes } from './console/routes.ts';
import type { AccountDeps, SignupSettings } from './deps.ts';
import { EMAIL_CHANGE_PATH } from './email-change.ts';
import { registerEmailChangePages } from './email-change-page.ts';
import type { MonitoringTokenCheck } from './monitoring-tokens.ts';
import type { AccountMetrics } from './server-metrics.ts';
import { memberAssets } from './signup/assets.ts';
import { createMemberAuth, type MemberAuth } from './signup/member-auth.ts';
import { redactMemberPath, registerMemberRoutes } from './signup/routes.ts';
import { SignInLimiter } from './signup/sign-in-limiter.ts';
import type { Store } from './store.ts';

export interface AccountServerOptions {
  store: Store;
  logger: Logger;
  bridgeUrl: string;
  trustProxy: boolean | string;
  api?: Omit<AccountApiOptions, 'logger'>;
  tls?: { cert: Buffer | string; key: Buffer | string } | undefined;
  /** Signed-in API requests only (batches can be large); everything anyone may send stays a few KiB. */
  bodyLimit?: number;
  /** `/metrics`, open to monitoring tokens (P7). */
  metrics?: { metrics: AccountMetrics; monitoring: MonitoringTokenCheck };
  /** When given, clock, ids and signup below are ignored. */
  deps?: AccountDeps;
  clock?: Clock;
  ids?: IdGenerator;
  signup?: SignupSettings;
  /** One process: where the bridge beside this server reads its session file (the console writes new ones there). */
  localSessionPath?: string | undefined;
  /** Bridges the health monitor checks, and (one process) the local watcher, for the console's overview. */
  monitoredBridges?: readonly string[];
  localWatcher?: (() => LocalWatcherStatus | undefined) | undefined;
  consoleSessions?: ConsoleSessionSettings;
}

/** Sign-up, the largest unauthenticated body, is about 400 bytes. */
export const UNAUTHENTICATED_BODY_LIMIT = 16 * 1024;

/** Shared by everyone behind one NAT address; failed sign-ins are also limited per e-mail. */
const MEMBER_POSTS_PER_MINUTE = 60;
const MEMBER_POST_ROUTES = new Set([
  '/signup/:token',
  '/signin/parameters',
  '/signin',
  '/signout',
  `${EMAIL_CHANGE_PATH}/:secret`,
]);

export async function createAccountServer(options: AccountServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Our own onResponse hook writes the one line per request (P8).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    // What anyone may send (member pages, unknown routes). Routes take less where they can;
    // the signed-in account API takes more (below).
    bodyLimit: UNAUTHENTICATED_BODY_LIMIT,
    ...(options.tls ? { https: options.tls } : {}),
  }) as unknown as FastifyInstance;
  acceptStrictJson(app, { contentTypes: ['application/json'], maxDepth: API_MAX_JSON_DEPTH });
  // Safe: API bodies are read only after the session check (onRequest hook).
  const apiBodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(API_PREFIX) && route.bodyLimit === undefined) route.bodyLimit = apiBodyLimit;
  });
  addSecurityHeaders(app);
  const { store } = options;
  const deps: AccountDeps = options.deps ?? {
    store,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    ...(options.signup ? { signup: options.signup } : {}),
  };
  const auth: MemberAuth = createMemberAuth(deps);

  // One line per request (P8). Sign-up URLs carry the invitation token: logged redacted.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: redactMemberPath(request.url),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  if (options.metrics) {
    const { metrics, monitoring } = options.metrics;
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids and query strings stay out of label values.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.recordRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    });
    app.get('/metrics', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const presented = /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      if (presented === undefined || !(await monitoring.isMonitoringToken(presented))) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="scimbridge"').send({
          error:
            'send a monitoring token: "Authorization: Bearer sbm_…" (scimbridge monitoring token create)',
        });
      }
      return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).send(await metrics.registry.render());
    });
  }

  app.get('/ping', async (_request, reply) => reply.header('cache-control', 'no-store').send('pong'));

  // Every attempt counts; a blocked one is answered before its body is read.
  const memberAttempts = new AddressLimiter({
    clock: deps.clock,
    maxAttempts: MEMBER_POSTS_PER_MINUTE,
    windowMs: 60_000,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !MEMBER_POST_ROUTES.has(request.routeOptions.url ?? '')) return;
    const limit = memberAttempts.check(request.ip);
    if (limit.blocked) {
      request.log.warn(
        { address: request.ip, path: redactMemberPath(request.url) },
        'member page post refused: too many from this address',
      );
      return reply
        .code(429)
        .header('retry-after', String(limit.retryAfterSeconds))
        .header('cache-control', 'no-store')
        .send({
          error: 'rate_limited',
          message: `Too many requests from this address. Try again in ${limit.retryAfterSeconds} seconds.`,
        });
    }
    memberAttempts.record(request.ip);
  });

  const assets = await memberAssets();
  await registerEmailChangePages(app, deps);
  await registerMemberRoutes(app, { deps, auth, limiter: new SignInLimiter(deps.clock), assets });
  await registerConsoleRoutes(app, {
    deps,
    assets,
    limiter: new SignInLimiter(deps.clock),
    sessions: options.consoleSessions ?? DEFAULT_CONSOLE_SESSIONS,
    bridgeUrl: options.bridgeUrl,
    localSessionPath: options.localSessionPath,
    monitoredBridges: options.monitoredBridges ?? [],
    localWatcher: options.localWatcher,
    ...(options.api ? { lastFirewallBlock: options.api.firewall.lastBlocked } : {}),
  });
  if (options.api) {
    await registerAccountApi(app, {
      ...options.api,
      logger: options.logger,
      bodyLimit: apiBodyLimit,
      ...(options.metrics ? { metrics: options.metrics.metrics } : {}),
    });
  }

  await app.ready();
  return app;
}
