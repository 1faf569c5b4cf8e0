/**
 * Safety rules for every route: the password never reaches the server (password fields have
 * no form name); CSRF: same-origin checks, JSON-only endpoints (a cross-site form would need a
 * preflight, never granted) and a sign-out token; no-referrer because sign-up URLs carry the token.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BodyTextError } from '../../json-body.ts';
import { csrfTokenOf, sameCsrfToken } from '../../web/csrf.ts';
import { completeSignup, parseSignupSubmission, viewInvitation } from '../complete-signup.ts';
import { type AccountDeps, signupSettings } from '../deps.ts';
import { parseEmail, signIn, signInParameters, signOut } from '../member-sign-in.ts';
import { SIGNUP_ERROR_STATUS, SignupError } from '../signup-errors.ts';
import type { MemberAssets } from './assets.ts';
import { type MemberAuth, readCookie, SESSION_COOKIE, sessionCookie } from './member-auth.ts';
import { memberPage, problemPage, sendPage, signinPage, signupPage } from './pages.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import { registerVaultRoutes } from './vault-routes.ts';

export interface MemberRoutesOptions {
  deps: AccountDeps;
  auth: MemberAuth;
  limiter: SignInLimiter;
  assets: MemberAssets;
}

export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** A sign-up is about 400 bytes. */
const SIGNUP_BODY_LIMIT = 8 * 1024;
const SIGNIN_BODY_LIMIT = 2 * 1024;

const NEEDS_SCRIPT_MESSAGE =
  'This page needs its script to create your keys (and to sign you in) on your own device, so that your password never leaves it. Turn on JavaScript for this site, go back and try again.';

export class CrossSiteError extends Error {}

export function isJson(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

export function isForm(request: FastifyRequest): boolean {
  return (
    (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() ===
    'application/x-www-form-urlencoded'
  );
}

function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && !isForm(request)) return false;
  const accept = request.headers.accept ?? '';
  return accept === '' || accept.includes('text/html') || !accept.includes('application/json');
}

/** Under no-referrer, browsers send `Origin: null` even same-origin, so "null" is no evidence either way. */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new CrossSiteError();
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new CrossSiteError();
  }
  if (host !== request.host) throw new CrossSiteError();
}

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send(body);
}

const PAGE_TITLES: Partial<Record<SignupError['code'], string>> = {
  invitation_unknown: 'This link is not valid',
  invitation_expired: 'This link has expired',
  invitation_used: 'This link has been used',
  invitation_revoked: 'This link was replaced',
  member_unavailable: 'This account cannot be signed up',
  member_suspended: 'This account is suspended',
};

const REQUEST_ERRORS: Record<string, { status: number; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than this endpoint accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'The request body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    message: 'The Content-Length header does not match the body.',
  },
};

/** Sign-up and e-mail change links carry their secret in the path. */
export function redactMemberPath(url: string): string {
  return url
    .replace(/\/signup\/[^/?#]*/i, '/signup/[token]')
    .replace(/\/email-change\/[^/?#]*/i, '/email-change/[token]');
}

export async function registerMemberRoutes(
  app: FastifyInstance,
  options: MemberRoutesOptions,
): Promise<void> {
  const { deps, auth, limiter, assets } = options;

  await app.register(async (scope) => {
    // Forms posted without the script (sign-in, sign-out) arrive urlencoded.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: SIGNIN_BODY_LIMIT },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    scope.addHook('onSend', async (_request, reply) => {
      reply.headers(SECURITY_HEADERS);
    });

    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof CrossSiteError) {
        return sendJson(reply, 403, {
          error: 'cross_site',
          message: 'This request must come from this site.',
        });
      }
      if (error instanceof SignupError) {
        const status = SIGNUP_ERROR_STATUS[error.code];
        if (error.retryAfterSeconds !== undefined)
          reply.header('retry-after', String(error.retryAfterSeconds));
        if (wantsPage(request)) {
          const next = error.code === 'invitation_used' ? { href: '/signin', label: 'Sign in' } : undefined;
          return sendPage(
            reply,
            status,
            problemPage(assets, PAGE_TITLES[error.code] ?? 'Something is wrong', error.message, next),
          );
        }
        return sendJson(reply, status, { error: error.code, message: error.message });
      }
      if (error instanceof BodyTextError) {
        return sendJson(reply, 400, { error: 'bad_request', message: `${error.message}.` });
      }
      const known = REQUEST_ERRORS[error.code];
      if (known) return sendJson(reply, known.status, { error: 'bad_request', message: known.message });
      if (error instanceof SyntaxError || error.statusCode === 400) {
        return sendJson(reply, 400, { error: 'bad_request', message: 'The request body is not valid JSON.' });
      }
      request.log.error({ err: error, path: redactMemberPath(request.url) }, 'member request failed');
      return sendJson(reply, 500, {
        error: 'server_error',
        message: 'The server failed to handle this request; its log has the details.',
      });
    });

    for (const asset of [assets.script, assets.style]) {
      scope.get(asset.path, async (_request, reply) =>
        reply
          .header('content-type', asset.contentType)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(asset.body),
      );
    }

    scope.get('/favicon.ico', async (_request, reply) =>
      reply.code(204).header('cache-control', 'public, max-age=86400').send(),
    );

    scope.get<{ Params: { token: string } }>('/signup/:token', async (request, reply) => {
      const view = await viewInvitation(deps, request.params.token);
      const accept = request.headers.accept ?? '';
      if (accept.includes('application/json') && !accept.includes('text/html')) {
        return sendJson(reply, 200, view);
      }
      return sendPage(reply, 200, signupPage(assets, view, `/signup/${request.params.token}`));
    });

    scope.post<{ Params: { token: string } }>(
      '/signup/:token',
      { bodyLimit: SIGNUP_BODY_LIMIT },
      async (request, reply) => {
        assertSameOrigin(request);
        if (isForm(request))
          return sendPage(reply, 400, problemPage(assets, 'Turn on JavaScript', NEEDS_SCRIPT_MESSAGE));
        if (!isJson(request))
          throw Object.assign(new Error('unsupported'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
        const submission = parseSignupSubmission(request.body);
        const outcome = await completeSignup(deps, request.params.token, submission);
        if (!outcome.repeated) {
          request.log.info(
            { memberId: outcome.member.id, outcome: 'signed_up' },
            'member signed up; pending confirmation',
          );
        }
        return sendJson(reply, 200, { state: outcome.member.state, signIn: '/signin' });
      },
    );

    scope.get('/signin', async (request, reply) => {
      if (await auth.currentMember(request))
        return reply.header('cache-control', 'no-store').redirect('/member', 303);
      return sendPage(reply, 200, signinPage(assets));
    });

    scope.post('/signin/parameters', { bodyLimit: SIGNIN_BODY_LIMIT }, async (request, reply) => {
      assertSameOrigin(request);
      if (!isJson(request))
        throw Object.assign(new Error('unsupported'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
      const email = parseEmail((request.body as { email?: unknown } | null)?.email);
      return sendJson(reply, 200, await signInParameters(deps, email));
    });

    scope.post('/signin', { bodyLimit: SIGNIN_BODY_LIMIT }, async (request, reply) => {
      assertSameOrigin(request);
      if (isForm(request))
        return sendPage(reply, 400, problemPage(assets, 'Turn on JavaScript', NEEDS_SCRIPT_MESSAGE));
      if (!isJson(request))
        throw Object.assign(new Error('unsupported'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
      const body = (request.body ?? {}) as { email?: unknown; proof?: unknown };
      const email = parseEmail(body.email);
      const wait = limiter.retryAfter(email, request.ip);
      if (wait !== undefined) {
        request.log.warn(
          { outcome: 'sign_in_throttled', client: request.ip },
          'member sign-in refused: too many failed attempts',
        );
        throw new SignupError(
          'sign_in_throttled',
          `Too many failed sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`,
          wait,
        );
      }
      let result: Awaited<ReturnType<typeof signIn>>;
      try {
        result = await signIn(deps, { email, proof: body.proof });
      } catch (error) {
        if (error instanceof SignupError && error.code === 'sign_in_failed') {
          limiter.failed(email, request.ip);
          request.log.info({ outcome: 'sign_in_failed' }, 'member sign-in failed');
        }
        if (error instanceof SignupError && error.code === 'member_suspended') {
          request.log.info(
            { outcome: 'member_suspended' },
            'member sign-in refused: the account is suspended',
          );
        }
        throw error;
      }
      limiter.succeeded(email);
      request.log.info({ memberId: result.member.id, outcome: 'signed_in' }, 'member signed in');
      const maxAge = Math.floor(signupSettings(deps).memberSessionMs / 1000);
      reply.header(
        'set-cookie',
        sessionCookie(request, result.sessionToken, maxAge, signupSettings(deps).accountUrl),
      );
      return sendJson(reply, 200, { next: '/member' });
    });

    scope.post('/signout', { bodyLimit: SIGNIN_BODY_LIMIT }, async (request, reply) => {
      assertSameOrigin(request);
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      const sent = (request.body as { csrf?: unknown } | null)?.csrf;
      if (token !== undefined) {
        if (!sameCsrfToken(sent, csrfTokenOf(token))) {
          return sendJson(reply, 403, {
            error: 'cross_site',
            message: 'This request must come from this site.',
          });
        }
        await signOut(deps, token);
      }
      reply.header('set-cookie', sessionCookie(request, '', 0, signupSettings(deps).accountUrl));
      return reply.header('cache-control', 'no-store').redirect('/signin', 303);
    });

    scope.get('/member', { preHandler: auth.requireMember }, async (request, reply) => {
      const { member, csrfToken } = request.member!;
      return sendPage(reply, 200, memberPage(assets, member, csrfToken));
    });

    scope.get('/member/keys', { preHandler: auth.requireMember }, async (request, reply) => {
      const { member } = request.member!;
      const keys = await deps.store.getMemberKeys(member.id);
      if (keys === undefined) {
        return sendJson(reply, 404, { error: 'no_keys', message: 'This member has no keys yet.' });
      }
      return sendJson(reply, 200, {
        memberId: member.id,
        publicKey: keys.publicKey,
        encryptedPrivateKey: keys.encryptedPrivateKey,
      });
    });

    registerVaultRoutes(scope, { deps, auth, assets });
  });
}
