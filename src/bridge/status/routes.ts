/** The bridge's own pages and endpoints (P6, P7), in their own fastify scope so their parsers and error handling stay away from SCIM. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MonitoringTokenCheck } from '../../account/monitoring-tokens.ts';
import { AddressLimiter } from '../../address-limiter.ts';
import type { RecentLogLines } from '../../logging.ts';
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '../../metrics.ts';
import { csrfTokenOf, sameCsrfToken } from '../../web/csrf.ts';
import type { KeyVerdict } from '../credentials/current-key.ts';
import type { FailureLimiter } from '../failed-token-limit.ts';
import type { GoogleSync } from '../google/sync.ts';
import { MonitoringTokenUncheckedError } from '../monitoring-token-check.ts';
import { renderGoogleSection } from './google-section.ts';
import type { HealthReport } from './health.ts';
import { renderSignIn, renderStatus } from './page.ts';
import { type PageSessions, readCookie, STATUS_COOKIE } from './sessions.ts';

type TokenFailure = 'missing' | 'malformed' | 'wrong_token' | 'session_unavailable';
type TokenResult = { ok: true; keyId?: string } | { ok: false; reason: TokenFailure };
type SignInFailure = TokenFailure | 'credentials_revoked' | 'provisioning_disabled';

export interface StatusRouteDeps {
  verifier: {
    verify(authorization: string | undefined): Promise<TokenResult>;
    verifyToken(token: string): Promise<TokenResult>;
    /** The key id of the session file on disk now (it may be newer than the unlocked one). */
    sessionHeader?(): Promise<{ keyId: string } | undefined>;
  };
  health: { report(): Promise<HealthReport> };
  /** Whether a token's key id is still the account's current one (current-key.ts). */
  currentKey: { check(keyId: string): Promise<KeyVerdict> };
  /** In this bridge's memory, or shared by replicas through Redis (shared-sessions.ts). */
  sessions: PageSessions;
  limiter: FailureLimiter;
  /** Accepts monitoring tokens for /health and /metrics; without it only the bearer token does. */
  monitoring?: MonitoringTokenCheck | undefined;
  /** Recent log lines for the download; without it the page says logs go to stdout only. */
  recentLogs?: RecentLogLines | undefined;
  metrics: MetricsRegistry;
  version: string;
  clock: { now(): Date };
  /** The bridge's public address; a sign-in posted from its origin is ours. */
  publicUrl?: string | undefined;
  /** The Google Workspace sync, when this bridge runs one (P21). */
  google?: GoogleSyncControl | undefined;
}

export type GoogleSyncControl = Pick<
  GoogleSync,
  'status' | 'configure' | 'preview' | 'approve' | 'runNow' | 'turnOff'
>;

const SIGN_IN_ERRORS: Record<SignInFailure, string> = {
  credentials_revoked:
    'These credentials were revoked (regenerated or deactivated in the account): sign in with the new bearer token once this bridge has the new session file.',
  provisioning_disabled:
    'Provisioning is turned off in the account, so these credentials no longer work: every IdP request is refused. Turn it on in the console or with: scimbridge provisioning setup. Then sign in with the new bearer token.',
  missing: 'Enter the bearer token.',
  malformed: 'That is not a scimbridge bearer token: it starts with sbt_ and is 47 characters long.',
  wrong_token:
    "That token does not open this bridge's session file. Use the token that was generated with it.",
  session_unavailable:
    'This bridge cannot read its session file, so no token can be checked. Give the bridge its session file (see the troubleshooting guide).',
};

const MONITORING_PREFIX = 'sbm_';
const FORM_BODY_LIMIT = 4096;
/** Status-page sign-ins an address may try per minute. */
const SIGN_INS_PER_MINUTE = 20;
const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

/** The page-session cookie header: `id` for `maxAgeSeconds`, or cleared when `id` is ''. */
function sessionCookie(request: FastifyRequest, id: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${STATUS_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
}

function sendHtml(reply: FastifyReply, status: number, page: string): FastifyReply {
  return securityHeaders(reply).code(status).header('content-type', 'text/html; charset=utf-8').send(page);
}

export async function registerStatusRoutes(app: FastifyInstance, deps: StatusRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );

    // Never echo request content back: a token pasted in the wrong place must not reappear.
    scope.setErrorHandler((error, request, reply) => {
      const code = (error as { statusCode?: unknown }).statusCode;
      const status = typeof code === 'number' && code >= 400 ? code : 500;
      if (status >= 500) request.log.error({ err: error }, 'status page request failed');
      return securityHeaders(reply)
        .code(status)
        .type('text/plain; charset=utf-8')
        .send(
          status === 413
            ? 'request too large'
            : status >= 500
              ? 'internal error; see the bridge log'
              : 'bad request',
        );
    });

    /** A live page session the account still accepts; a refused key id ends all its sessions (issue 12). */
    const pageSession = async (
      request: FastifyRequest,
    ): Promise<{ signedIn: true } | { signedIn: false; ended?: SignInFailure }> => {
      const keyId = await deps.sessions.keyIdOf(readCookie(request.headers.cookie, STATUS_COOKIE));
      if (keyId === undefined) return { signedIn: false };
      const verdict = await deps.currentKey.check(keyId);
      if (verdict.ok) return { signedIn: true };
      await deps.sessions.endKey(keyId);
      request.log.info({ reason: verdict.reason }, 'status page session ended: the account refused its key');
      return { signedIn: false, ended: verdict.reason };
    };
    const signedIn = async (request: FastifyRequest): Promise<boolean> =>
      (await pageSession(request)).signedIn;

    // Every form of a signed-in page carries its session's token, as the console's do; the
    // Origin check alone lets through browsers and proxies that send no Origin.
    const formTokenOf = (request: FastifyRequest): string =>
      csrfTokenOf(readCookie(request.headers.cookie, STATUS_COOKIE) ?? '');
    const carriesFormToken = (request: FastifyRequest): boolean =>
      sameCsrfToken((request.body as { csrf?: unknown } | undefined)?.csrf, formTokenOf(request));
    const formRefused = (reply: FastifyReply) =>
      securityHeaders(reply)
        .code(403)
        .type('text/plain; charset=utf-8')
        .send(
          'This form did not carry the token of your status page session (it is older than your sign-in, or it came from another site), so nothing was changed. Reload the page and try again.',
        );

    /** Refuses a foreign Origin; ours is the Host, forwarded host (trust-proxy) or public URL's, so a rewriting proxy still works. */
    const publicHost = deps.publicUrl === undefined ? undefined : new URL(deps.publicUrl).host;
    const sameOrigin = (request: FastifyRequest): boolean => {
      const origin = request.headers.origin;
      if (origin === undefined || origin === 'null') return origin === undefined;
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        return false;
      }
      return host === request.headers.host || host === request.host || host === publicHost;
    };

    scope.get('/', async (request, reply) => {
      const session = await pageSession(request);
      if (!session.signedIn) {
        if (session.ended !== undefined) reply.header('set-cookie', sessionCookie(request, '', 0));
        return sendHtml(
          reply,
          200,
          renderSignIn({
            version: deps.version,
            ...(session.ended !== undefined ? { error: SIGN_IN_ERRORS[session.ended] } : {}),
          }),
        );
      }
      const report = await deps.health.report();
      const csrf = formTokenOf(request);
      const notice = googleNotices.get(csrf);
      return sendHtml(
        reply,
        200,
        renderStatus(report, {
          csrf,
          logLines: deps.recentLogs ? deps.recentLogs.size : null,
          google: deps.google ? renderGoogleSection(await deps.google.status(), csrf, notice) : undefined,
        }),
      );
    });

    // Google sync forms: signed-in sessions from our origin with their form token; each redirects back with its outcome.
    const googleNotices = new Map<string, string>();
    // Registered on every bridge (one route table); without a Google key they lead back to the page.
    {
      const googleForm = (
        path: string,
        act: (google: GoogleSyncControl, body: Record<string, string>) => Promise<string>,
      ) =>
        scope.post(path, { bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
          if (!sameOrigin(request)) return reply.code(403).type('text/plain').send('cross-site form refused');
          const google = deps.google;
          if (google === undefined || !(await signedIn(request)))
            return securityHeaders(reply).redirect('/', 303);
          if (!carriesFormToken(request)) return formRefused(reply);
          const body = (request.body ?? {}) as Record<string, string>;
          let notice: string;
          try {
            notice = await act(google, body);
          } catch (error) {
            notice = error instanceof Error ? error.message : 'failed';
          }
          // Keyed by the form token, not the session id, which the bridge keeps only hashed.
          if (googleNotices.size > 1000) googleNotices.clear();
          googleNotices.set(formTokenOf(request), notice);
          return securityHeaders(reply).redirect('/#google', 303);
        });
      googleForm('/google/settings', async (google, body) => {
        const groups = String(body.groups ?? '')
          .split(/[\s,]+/)
          .filter(Boolean);
        await google.configure({ admin: String(body.admin ?? ''), groups });
        return 'Saved. Make a preview before the sync uses these groups.';
      });
      googleForm('/google/preview', async (google) => {
        const preview = await google.preview();
        return `Preview made: ${preview.counts.suspend} member(s) would be suspended.`;
      });
      googleForm('/google/approve', async (google, body) => {
        const count = Number(String(body.confirm ?? '').trim());
        if (!Number.isInteger(count) || count < 0) return 'Type the number of suspensions the preview shows.';
        await google.approve(count);
        void google.runNow('manual').catch(() => undefined);
        return 'The sync is on; the first run has started.';
      });
      googleForm('/google/run', async (google) => {
        void google.runNow('manual').catch(() => undefined);
        return 'A run has started.';
      });
      googleForm('/google/off', async (google) => {
        await google.turnOff();
        return 'The sync is off.';
      });
    }

    // Every sign-in attempt counts, right token or not, and a blocked one is answered before
    // its body is read. Wrong tokens also count towards the SCIM limit (`deps.limiter`).
    const signInAttempts = new AddressLimiter({
      clock: deps.clock,
      maxAttempts: SIGN_INS_PER_MINUTE,
      windowMs: 60_000,
    });
    /** The sign-in page, 429, when an address is over one of the limits. */
    const tooMany = (reply: FastifyReply, what: string, retryAfterSeconds: number) => {
      reply.header('retry-after', String(retryAfterSeconds));
      return sendHtml(
        reply,
        429,
        renderSignIn({
          version: deps.version,
          error: `Too many ${what} from this address. Wait ${retryAfterSeconds} seconds and try again.`,
        }),
      );
    };
    const countSignIn = async (request: FastifyRequest, reply: FastifyReply) => {
      const limit = signInAttempts.check(request.ip);
      if (limit.blocked) {
        return tooMany(reply, 'sign-in attempts', limit.retryAfterSeconds);
      }
      signInAttempts.record(request.ip);
      return undefined;
    };

    scope.post('/signin', { bodyLimit: FORM_BODY_LIMIT, onRequest: countSignIn }, async (request, reply) => {
      if (!sameOrigin(request)) return reply.code(403).type('text/plain').send('cross-site sign-in refused');
      if (!request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        return reply.code(415).type('text/plain').send('sign in with the form');
      }
      const body = request.body as Record<string, unknown> | undefined;
      const token = typeof body?.token === 'string' ? body.token.trim() : '';
      let result: TokenResult | { ok: false; reason: SignInFailure } =
        token === '' ? { ok: false, reason: 'missing' } : await deps.verifier.verifyToken(token);
      // Only the token of the session file on disk opens a page session, not the previous file's.
      if (result.ok && result.keyId !== undefined && deps.verifier.sessionHeader) {
        const onDisk = await deps.verifier.sessionHeader();
        if (onDisk !== undefined && onDisk.keyId !== result.keyId)
          result = { ok: false, reason: 'wrong_token' };
      }
      // The token opens the file on disk; the account must still accept its key (P2, P3).
      if (result.ok && result.keyId !== undefined) {
        const verdict = await deps.currentKey.check(result.keyId);
        if (!verdict.ok) result = { ok: false, reason: verdict.reason };
      }
      if (!result.ok) {
        // As for SCIM: the right token always gets in; wrong ones past the limit get 429.
        const limit = await deps.limiter.fail(request.ip);
        if (limit.blocked) {
          return tooMany(reply, 'wrong tokens', limit.retryAfterSeconds);
        }
        request.log.warn({ reason: result.reason, address: request.ip }, 'status page sign-in refused');
        return sendHtml(
          reply,
          401,
          renderSignIn({ version: deps.version, error: SIGN_IN_ERRORS[result.reason] }),
        );
      }
      const session = await deps.sessions.create(result.keyId ?? '');
      request.log.info({ address: request.ip }, 'status page sign-in');
      return securityHeaders(reply)
        .header('set-cookie', sessionCookie(request, session.id, session.maxAgeSeconds))
        .redirect('/', 303);
    });

    scope.post('/signout', { bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
      if (!sameOrigin(request)) return reply.code(403).type('text/plain').send('cross-site sign-out refused');
      const sessionId = readCookie(request.headers.cookie, STATUS_COOKIE);
      // Signing out of a session that already ended needs no token: it is done already.
      if ((await deps.sessions.keyIdOf(sessionId)) !== undefined && !carriesFormToken(request))
        return formRefused(reply);
      await deps.sessions.end(sessionId);
      return securityHeaders(reply)
        .header('set-cookie', sessionCookie(request, '', 0))
        .redirect('/', 303);
    });

    /** Bearer check for /health and /metrics: the IdP token or, where `allowMonitoring`, a monitoring token. */
    const authorize = async (
      request: FastifyRequest,
      reply: FastifyReply,
      allowMonitoring: boolean,
    ): Promise<boolean> => {
      // The right token always gets through, so a neighbour guessing from one address cannot lock the monitor out.
      const authorization = request.headers.authorization;
      const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
      let ok = false;
      if (presented?.startsWith(MONITORING_PREFIX)) {
        // Past the limit, only tokens known without a lookup are checked: guesses reach neither the database nor the account API.
        try {
          ok =
            allowMonitoring &&
            deps.monitoring !== undefined &&
            (await deps.monitoring.isMonitoringToken(presented, {
              localOnly: deps.limiter.check(request.ip).blocked,
            }));
        } catch (error) {
          if (!(error instanceof MonitoringTokenUncheckedError)) throw error;
          // Neither right nor wrong: not counted against the address; the scraper retries.
          reply
            .code(503)
            .header('retry-after', '30')
            .send({
              error: `${error.message}; this bridge's own SCIMBRIDGE_MONITOR_TOKEN still opens /health and /metrics`,
            });
          return false;
        }
      } else if (authorization !== undefined) {
        const result = await deps.verifier.verify(authorization);
        ok = result.ok;
        // A revoked token opens nothing here either, even before the new one is first used.
        if (result.ok && result.keyId !== undefined) {
          const verdict = await deps.currentKey.check(result.keyId);
          if (!verdict.ok) {
            reply
              .code(401)
              .header('www-authenticate', 'Bearer realm="scimbridge", error="invalid_token"')
              .send({ error: verdict.message });
            return false;
          }
        }
      }
      if (ok) return true;
      const limit = await deps.limiter.fail(request.ip);
      if (limit.blocked) {
        reply
          .code(429)
          .header('retry-after', String(limit.retryAfterSeconds))
          .send({ error: 'too many requests with a wrong token from this address; wait and retry' });
        return false;
      }
      reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="scimbridge"')
        .send({
          error: allowMonitoring
            ? 'send the bridge bearer token or a monitoring token: "Authorization: Bearer <token>"'
            : 'sign in on the status page, or send the bridge bearer token',
        });
      return false;
    };

    scope.get('/health', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!(await authorize(request, reply, true))) return reply;
      return reply.send(await deps.health.report());
    });

    scope.get('/metrics', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!(await authorize(request, reply, true))) return reply;
      return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).send(await deps.metrics.render());
    });

    scope.get('/logs', async (request, reply) => {
      securityHeaders(reply);
      if (!(await signedIn(request)) && !(await authorize(request, reply, false))) return reply;
      if (!deps.recentLogs) {
        return reply
          .code(404)
          .type('text/plain; charset=utf-8')
          .send('this bridge keeps no log lines in memory');
      }
      const stamp = deps.clock.now().toISOString().replace(/[:.]/g, '-');
      const lines = deps.recentLogs.snapshot();
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="scimbridge-bridge-${stamp}.ndjson"`)
        .send(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    });
  });
}
