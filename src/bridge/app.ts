/** The bridge's HTTP server; the caller listens, so tests can run it in process or on port 0. */
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { acceptStrictJson } from '../json-body.ts';
import { scrubSecrets } from '../logging.ts';
import { lazyRequestLogger } from '../request-logger.ts';
import { ScimError } from '../scim/errors.ts';
import { addSecurityHeaders } from '../security-headers.ts';
import { detectIdp } from './idp-detect.ts';
import type { BridgeObservability } from './observability.ts';
import type { Authenticator } from './scim/auth.ts';
import { responseContentType, SCIM_CONTENT_TYPE } from './scim/content-type.ts';
import type { ScimContext } from './scim/context.ts';
import { toScimError } from './scim/errors.ts';
import { ResourceQueue } from './scim/resource-queue.ts';
import { registerScimRoutes, SCIM_PREFIX } from './scim/routes.ts';
import { registerStatusRoutes } from './status/routes.ts';

export interface BridgeAppOptions {
  scim: Omit<ScimContext, 'baseUrl'>;
  /** The bridge's public address; SCIM locations are `${publicUrl}/scim/v2/…`. */
  publicUrl: string;
  auth: Authenticator;
  logger: Logger;
  trustProxy: boolean | string;
  version: string;
  /** Status page, /health, /metrics, logs download, request record (see observability.ts). */
  observability?: BridgeObservability;
  tls?: { cert: Buffer | string; key: Buffer | string } | undefined;
}

/** IdPs send `application/scim+json` or `application/json`; both read strictly (invalid UTF-8, excess nesting refused); an empty body stays undefined (DELETE with a JSON type). */
const SCIM_MAX_JSON_DEPTH = 64;
const UNAUTHENTICATED_BODY_LIMIT = 16 * 1024;

export async function createBridgeApp(options: BridgeAppOptions): Promise<FastifyInstance> {
  // What went wrong, kept for the request's log line so operators see why an IdP got a 4xx.
  const failures = new WeakMap<FastifyRequest, { detail: string; scimType: string | undefined }>();

  /** Every failure leaves as a SCIM Error body (RFC 7644 §3.12), the framework's own included. */
  const renderError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const scimError = toScimError(error);
    // A token pasted into a path, filter or body is not echoed back into the IdP's logs.
    const body = scimError.toJSON();
    body.detail = scrubSecrets(body.detail);
    failures.set(request, { detail: body.detail, scimType: scimError.scimType });
    // Account problems an operator can fix get their own log message (account-problems.ts).
    options.observability?.problems.failed(error);
    if (scimError.status >= 500) request.log.error({ err: error }, 'request failed');
    if (scimError.retryAfter !== undefined) reply.header('retry-after', String(scimError.retryAfter));
    reply
      .code(scimError.status)
      .header('content-type', responseContentType(request.headers))
      .send(JSON.stringify(body));
  };

  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
    // Our own onResponse hook writes the one line per request (P8).
    logController: new LogController({ disableRequestLogging: true }),
    // Small limit for what anyone may send; SCIM routes read bodies after the token check and take SCIMBRIDGE_MAX_BODY_BYTES.
    bodyLimit: UNAUTHENTICATED_BODY_LIMIT,
    trustProxy: options.trustProxy,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // A malformed percent-encoding or an overlong path parameter, refused by the router.
    frameworkErrors: renderError,
    // Failures before there is a request at all (headers over Node's limit, broken HTTP).
    clientErrorHandler: answerClientError,
    ...(options.tls ? { https: options.tls } : {}),
  }) as unknown as FastifyInstance;

  addSecurityHeaders(app);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(SCIM_PREFIX) && route.bodyLimit === undefined) {
      route.bodyLimit = options.scim.maxBodyBytes;
    }
  });
  // Only JSON is read: a text/plain body is 415, not a string that fails later as "not an object".
  app.removeAllContentTypeParsers();
  acceptStrictJson(app, {
    contentTypes: ['application/json', 'application/scim+json'],
    maxDepth: SCIM_MAX_JSON_DEPTH,
    emptyIsUndefined: true,
  });

  app.setErrorHandler(renderError);

  // One structured line per request (P8); a callback hook, as it has nothing to await.
  app.addHook('onResponse', (request, reply, done) => {
    const operation = request.routeOptions.config?.scimOperation;
    if (operation === undefined && !request.url.startsWith(SCIM_PREFIX)) {
      done();
      return;
    }
    const observed = options.observability;
    const logging = options.logger.isLevelEnabled('info');
    // With info lines switched off and nothing observing, there is nothing to build.
    if (!logging && observed === undefined) {
      done();
      return;
    }
    const idp = detectIdp(request.headers);
    const ms = Math.round(reply.elapsedTime * 100) / 100;
    const failure = failures.get(request);
    const resource = resourceIdOf(request) ?? reply.getHeader('location')?.toString().split('/').pop();
    const detail = failure?.detail;
    if (logging) {
      request.log.info(
        {
          idp,
          op: operation ?? 'unknown',
          method: request.method,
          resource,
          status: reply.statusCode,
          ms,
          detail,
        },
        'scim request',
      );
    }
    if (observed) {
      // The status page's last request per IdP and the request metrics, whatever the log level.
      observed.requests.record({
        idp,
        operation: operation ?? 'unknown',
        status: reply.statusCode,
        ms,
        detail,
      });
      if (reply.statusCode < 400) observed.problems.succeeded();
      // The console's request log: a bounded record, delivered later in a batch (request-log.ts).
      observed.requestLog?.add({
        idp,
        operation: operation ?? 'unknown',
        method: request.method,
        url: request.url,
        resourceId: resource,
        status: reply.statusCode,
        scimType: failure?.scimType,
        detail,
        ms,
        body: request.body,
        bodyBytes: Number(request.headers['content-length']) || undefined,
      });
    }
    done();
  });

  app.get('/ping', async (_request, reply) => reply.header('cache-control', 'no-store').send('pong'));

  if (options.observability) await registerStatusRoutes(app, options.observability.status);
  const requestLog = options.observability?.requestLog;
  if (requestLog) app.addHook('onClose', () => requestLog.close());
  registerScimRoutes(
    app,
    {
      ...options.scim,
      baseUrl: `${options.publicUrl}${SCIM_PREFIX}`,
      writes: options.scim.writes ?? new ResourceQueue(),
    },
    options.auth,
  );
  await app.ready();
  return app;
}

function resourceIdOf(request: FastifyRequest): string | undefined {
  const params = request.params as { id?: unknown } | undefined;
  return typeof params?.id === 'string' ? params.id : undefined;
}

/** Node's parser refused the request before fastify saw it; still answer a SCIM Error on the raw socket. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'the request line or headers are larger than this server accepts',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request was not received in time']
        : [400, 'Bad Request', 'the request is not valid HTTP'];
  const scimError = new ScimError(status, status === 400 ? 'invalidSyntax' : undefined, detail);
  const body = JSON.stringify(scimError.toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
