/**
 * Safety rules for every route: own HttpOnly SameSite=Strict cookie; a CSRF token on every
 * changing form (checked in a preHandler); sign-in is JSON-only and same-origin; failed
 * sign-ins back off and lock out before any proof is checked.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenOf, sameCsrfToken } from '../../web/csrf.ts';
import type { AdminActor } from '../admin-rules.ts';
import type { AccountDeps } from '../deps.ts';
import { signupSettings } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { FirewallBlock } from '../firewall/gate.ts';
import { parseEmail } from '../member-sign-in.ts';
import type { Member, MemberSession } from '../model.ts';
import type { MemberAssets } from '../signup/assets.ts';
import { readCookie } from '../signup/member-auth.ts';
import { sendPage } from '../signup/pages.ts';
import { assertSameOrigin, CrossSiteError, isJson, SECURITY_HEADERS } from '../signup/routes.ts';
import type { SignInLimiter } from '../signup/sign-in-limiter.ts';
import { SIGNUP_ERROR_STATUS, SignupError } from '../signup-errors.ts';
import { registerAccountPage } from './account-page.ts';
import { adminOfSession, adminSignIn, adminSignOut, type ConsoleSessionSettings } from './admin-sign-in.ts';
import { registerBridgeKey } from './bridge-key.ts';
import { registerGroupMemberKeys } from './group-members.ts';
import { registerGroupPages } from './groups.ts';
import { registerKeyActions } from './key-actions.ts';
import { type LocalWatcherStatus, overviewPage } from './overview.ts';
import { adminSigninPage, type ConsoleView, consoleProblemPage } from './pages.ts';
import { registerPeoplePages } from './people.ts';
import { registerProvisioningPage } from './provisioning.ts';
import { registerRecordPages } from './records.ts';
import { registerRequestLogPages } from './request-log.ts';
import { SignInBackoff } from './sign-in-backoff.ts';
import { registerVaultAccess } from './vault-access.ts';
import { registerVaultPages } from './vaults.ts';

export const CONSOLE_COOKIE = 'scimbridge_console';

const FORM_BODY_LIMIT = 16 * 1024;
const SIGNIN_BODY_LIMIT = 2 * 1024;

export interface ConsoleRoutesOptions {
  deps: AccountDeps;
  assets: MemberAssets;
  limiter: SignInLimiter;
  sessions: ConsoleSessionSettings;
  bridgeUrl: string;
  localSessionPath?: string | undefined;
  monitoredBridges?: readonly string[];
  localWatcher?: (() => LocalWatcherStatus | undefined) | undefined;
  lastFirewallBlock?: (() => FirewallBlock | undefined) | undefined;
}

export interface SignedInAdmin {
  member: Member;
  session: MemberSession;
  sessionToken: string;
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    admin?: SignedInAdmin;
  }
}

/** A console form without this session's token, or no session behind a form post. */
class FormRefused extends Error {
  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

function consoleCookie(
  request: FastifyRequest,
  value: string,
  maxAgeSeconds: number,
  publicUrl: string,
): string {
  const secure = request.protocol === 'https' || publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${CONSOLE_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send(body);
}

export async function registerConsoleRoutes(
  app: FastifyInstance,
  options: ConsoleRoutesOptions,
): Promise<void> {
  const { deps, assets, limiter, sessions } = options;
  const backoff = new SignInBackoff(deps.clock);
  const accountUrl = () => signupSettings(deps).accountUrl;

  /** Sign-in, and proving the current password to change it, count failures alike. */
  const attempts: SignInAttempts = {
    check(request, email) {
      const wait = limiter.retryAfter(email, request.ip);
      const pause = wait === undefined ? backoff.retryAfter(email) : undefined;
      if (pause !== undefined) {
        throw new SignupError(
          'sign_in_throttled',
          `Several password attempts failed in a row: wait ${pause} second${pause === 1 ? '' : 's'} before the next one.`,
          pause,
        );
      }
      if (wait !== undefined) {
        request.log.warn(
          { outcome: 'sign_in_throttled', client: request.ip },
          'console sign-in refused: too many failed attempts',
        );
        throw new SignupError(
          'sign_in_throttled',
          `Too many failed sign-in attempts: sign-in is locked for this address. Try again in ${Math.ceil(wait / 60)} minute(s).`,
          wait,
        );
      }
    },
    failed(request, email) {
      limiter.failed(email, request.ip);
      backoff.failed(email);
    },
    succeeded(email) {
      limiter.succeeded(email);
      backoff.succeeded(email);
    },
  };

  function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessionToken: string): void {
    reply.header(
      'set-cookie',
      consoleCookie(request, sessionToken, Math.floor(sessions.absoluteMs / 1000), accountUrl()),
    );
  }

  async function currentAdmin(request: FastifyRequest): Promise<SignedInAdmin | undefined> {
    const token = readCookie(request.headers.cookie, CONSOLE_COOKIE);
    if (token === undefined) return undefined;
    const found = await adminOfSession(deps, sessions, token);
    return found && { ...found, sessionToken: token, csrfToken: csrfTokenOf(token) };
  }

  async function accountName(): Promise<string> {
    return (await deps.store.getAccount())?.name ?? 'Team account';
  }

  async function viewOf(request: FastifyRequest): Promise<ConsoleView> {
    const admin = request.admin!;
    return {
      accountName: await accountName(),
      admin: admin.member,
      csrfToken: admin.csrfToken,
      current: request.routeOptions.url ?? request.url,
    };
  }

  async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const admin = await currentAdmin(request);
    if (admin) {
      request.admin = admin;
      return;
    }
    reply.header('cache-control', 'no-store');
    if (request.method === 'GET') {
      await reply.redirect('/', 303);
      return;
    }
    throw new FormRefused(
      'Signed out',
      'Your console session has ended (or you signed out in another tab), so nothing was changed. Sign in again and repeat what you were doing.',
    );
  }

  async function requireFormToken(request: FastifyRequest): Promise<void> {
    const sent = (request.body as { csrf?: unknown } | null)?.csrf;
    if (!sameCsrfToken(sent, request.admin!.csrfToken)) {
      throw new FormRefused(
        'Form not accepted',
        'This form did not carry the token of your console session (it is older than your sign-in, or it came from another site), so nothing was changed. Reload the page and try again.',
      );
    }
  }

  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.addHook('onSend', async (_request, reply) => {
      reply.headers(SECURITY_HEADERS);
    });

    scope.setErrorHandler(async (error: FastifyError, request, reply) => {
      if (error instanceof FormRefused) {
        const view = request.admin ? await viewOf(request) : undefined;
        return sendPage(reply, 403, consoleProblemPage(assets, view, error.title, error.message));
      }
      if (error instanceof AccountError) {
        const status = error.code === 'invalid_input' ? 400 : error.code.endsWith('_not_found') ? 404 : 409;
        const view = request.admin ? await viewOf(request) : undefined;
        return sendPage(reply, status, consoleProblemPage(assets, view, 'Not done', error.message));
      }
      if (error instanceof CrossSiteError) {
        return sendJson(reply, 403, {
          error: 'cross_site',
          message: 'This request must come from this site.',
        });
      }
      if (error instanceof SignupError) {
        if (error.retryAfterSeconds !== undefined)
          reply.header('retry-after', String(error.retryAfterSeconds));
        return sendJson(reply, SIGNUP_ERROR_STATUS[error.code], {
          error: error.code,
          message: error.message,
        });
      }
      if (error.statusCode !== undefined && error.statusCode < 500) {
        return sendJson(reply, error.statusCode, { error: 'bad_request', message: error.message });
      }
      request.log.error({ err: error }, 'console request failed');
      return sendPage(
        reply,
        500,
        consoleProblemPage(
          assets,
          undefined,
          'Something went wrong',
          'The server failed to handle this request; its log has the details. Nothing you can do here fixes it.',
        ),
      );
    });

    scope.get('/', async (request, reply) => {
      const admin = await currentAdmin(request);
      if (admin === undefined) return sendPage(reply, 200, adminSigninPage(assets));
      request.admin = admin;
      return sendPage(
        reply,
        200,
        await overviewPage(deps, assets, await viewOf(request), {
          bridgeUrl: options.bridgeUrl,
          monitoredBridges: options.monitoredBridges ?? [],
          localWatcher: options.localWatcher,
        }),
      );
    });

    scope.post('/admin/signin', { bodyLimit: SIGNIN_BODY_LIMIT }, async (request, reply) => {
      assertSameOrigin(request);
      if (!isJson(request))
        throw new SignupError(
          'invalid_input',
          'This page needs its script to sign you in; turn on JavaScript.',
        );
      const body = (request.body ?? {}) as { email?: unknown; proof?: unknown };
      const email = parseEmail(body.email);
      attempts.check(request, email);
      let signedIn: Awaited<ReturnType<typeof adminSignIn>>;
      try {
        signedIn = await adminSignIn(deps, sessions, { email, proof: body.proof });
      } catch (error) {
        if (error instanceof SignupError && error.code === 'sign_in_failed') {
          attempts.failed(request, email);
          request.log.info({ outcome: 'sign_in_failed' }, 'console sign-in failed');
        }
        if (error instanceof SignupError && error.code === 'not_administrator') {
          request.log.info({ outcome: 'not_administrator' }, 'console sign-in refused: not an administrator');
        }
        throw error;
      }
      attempts.succeeded(email);
      request.log.info(
        { memberId: signedIn.member.id, outcome: 'signed_in' },
        'administrator signed in to the console',
      );
      setSessionCookie(request, reply, signedIn.sessionToken);
      return sendJson(reply, 200, { next: '/' });
    });

    scope.post('/admin/signout', { bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
      const admin = await currentAdmin(request);
      // Signing out of a session that already ended is done already.
      if (admin !== undefined) {
        request.admin = admin;
        await requireFormToken(request);
        await adminSignOut(deps, admin.sessionToken);
        request.log.info({ memberId: admin.member.id, outcome: 'signed_out' }, 'administrator signed out');
      }
      reply.header('set-cookie', consoleCookie(request, '', 0, accountUrl()));
      return reply.header('cache-control', 'no-store').redirect('/', 303);
    });

    const context: ConsoleContext = {
      deps,
      assets,
      bridgeUrl: options.bridgeUrl,
      localSessionPath: options.localSessionPath,
      lastFirewallBlock: options.lastFirewallBlock ?? (() => undefined),
      monitoring: (options.monitoredBridges ?? []).length > 0,
      monitoredBridges: options.monitoredBridges ?? [],
      sessions,
      attempts,
      setSessionCookie,
      requireAdmin,
      requireFormToken,
      viewOf,
      actorOf: (request) => ({ memberId: request.admin!.member.id, name: request.admin!.member.email }),
    };
    for (const register of PAGE_MODULES) register(scope, context);
  });
}

export interface SignInAttempts {
  /** Throws `sign_in_throttled` while this address must wait or is locked. */
  check(request: FastifyRequest, email: string): void;
  failed(request: FastifyRequest, email: string): void;
  succeeded(email: string): void;
}

export interface ConsoleContext {
  deps: AccountDeps;
  assets: MemberAssets;
  bridgeUrl: string;
  localSessionPath: string | undefined;
  lastFirewallBlock: () => FirewallBlock | undefined;
  monitoring: boolean;
  monitoredBridges: readonly string[];
  sessions: ConsoleSessionSettings;
  /** Failed password proofs, counted per address and client: back-off, then lockout. */
  attempts: SignInAttempts;
  /** Gives the browser the cookie of a new console session. */
  setSessionCookie: (request: FastifyRequest, reply: FastifyReply, sessionToken: string) => void;
  requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Run after requireAdmin. */
  requireFormToken: (request: FastifyRequest) => Promise<void>;
  viewOf: (request: FastifyRequest) => Promise<ConsoleView>;
  actorOf: (request: FastifyRequest) => AdminActor;
}

const PAGE_MODULES: Array<(scope: FastifyInstance, context: ConsoleContext) => void> = [
  registerPeoplePages,
  registerGroupPages,
  registerVaultPages,
  registerProvisioningPage,
  registerRecordPages,
  registerKeyActions,
  registerVaultAccess,
  registerGroupMemberKeys,
  registerBridgeKey,
  registerRequestLogPages,
  registerAccountPage,
];
