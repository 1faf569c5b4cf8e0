/**
 * The page behind the link in the email_change mail (P13), on the account server.
 *
 * GET shows what will change and changes nothing: mail scanners and link previews open
 * links too. POST accepts. The form carries a CSRF value that must equal a cookie set with
 * the page (SameSite=Strict, HttpOnly), and a request whose Origin or Sec-Fetch-Site shows
 * another site is refused: the link's secret already authorises the change, these checks
 * make sure it is the member's own click on this page that uses it.
 *
 * Pages are server-rendered with the escaping `html` tag, work without JavaScript, and are
 * never cached or sent on as a Referer (the URL holds the secret).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, raw, type SafeHtml } from '../web/html.ts';
import { PAGE_STYLE } from '../web/style.ts';
import type { AccountDeps } from './deps.ts';
import {
  acceptEmailChange,
  EMAIL_CHANGE_PATH,
  type EmailChangeCheck,
  type EmailChangeProblem,
  previewEmailChange,
  randomSecret,
} from './email-change.ts';
import { formatUtc } from './mail/templates.ts';
import { readCookie } from './signup/member-auth.ts';

const CSRF_COOKIE = 'scimbridge_email_change_csrf';
const FORM_BODY_LIMIT = 4096;

const STATUS: Record<EmailChangeProblem, number> = {
  unknown: 404,
  used: 410,
  expired: 410,
  superseded: 409,
  suspended: 409,
  domain_not_allowed: 409,
  email_taken: 409,
};

const HEADLINE: Record<EmailChangeProblem, string> = {
  unknown: 'This link does not work',
  used: 'This link was already used',
  expired: 'This link has expired',
  superseded: 'This change no longer applies',
  suspended: 'This change cannot be made now',
  domain_not_allowed: 'This address is not allowed',
  email_taken: 'This address is taken',
};

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · scimbridge</title>
<style>${raw(PAGE_STYLE)}</style></head>
<body><main>${body}</main></body></html>
`.value;
}

function problemPage(check: Extract<EmailChangeCheck, { ok: false }>): string {
  return page(
    HEADLINE[check.problem],
    html`<h1>${HEADLINE[check.problem]}</h1>
<p>${check.detail}</p>
<p>Your e-mail address has not been changed.${
      check.problem === 'expired' || check.problem === 'used' || check.problem === 'unknown'
        ? ' If you still need the change, ask your administrator to send it again from your organisation’s identity provider.'
        : ''
    }</p>`,
  );
}

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(body);
}

/** A form field, whichever form parser the server uses (plain object or URLSearchParams). */
function formField(body: unknown, name: string): string {
  if (body instanceof URLSearchParams) return body.get(name) ?? '';
  if (typeof body === 'object' && body !== null) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
  }
  return '';
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether the request comes from a page of this server (or says nothing about its origin). */
function fromThisSite(request: FastifyRequest, accountUrl: string | undefined): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  // Our pages send no Referer, and browsers then send `Origin: null` with the form: that
  // says nothing about the origin, so Sec-Fetch-Site and the CSRF cookie decide.
  if (origin === undefined || origin === 'null') return true;
  const own = new Set([`${request.protocol}://${request.headers.host ?? ''}`]);
  if (accountUrl !== undefined) own.add(new URL(accountUrl).origin);
  return own.has(origin);
}

export async function registerEmailChangePages(app: FastifyInstance, deps: AccountDeps): Promise<void> {
  const secureCookie = deps.accountUrl?.startsWith('https://') ?? false;
  await app.register(async (scope) => {
    // Scoped to these routes, and only if the server has no form parser of its own yet
    // (another page may have registered one first; adding a second would throw).
    if (!scope.hasContentTypeParser('application/x-www-form-urlencoded')) {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
      );
    }

    scope.get<{ Params: { secret: string } }>(`${EMAIL_CHANGE_PATH}/:secret`, async (request, reply) => {
      const check = await previewEmailChange(deps, request.params.secret);
      if (!check.ok) return send(reply, STATUS[check.problem], problemPage(check));
      const csrf = randomSecret();
      reply.header(
        'set-cookie',
        `${CSRF_COOKIE}=${csrf}; Path=${EMAIL_CHANGE_PATH}; HttpOnly; SameSite=Strict${secureCookie ? '; Secure' : ''}`,
      );
      return send(
        reply,
        200,
        page(
          'Confirm your new e-mail address',
          html`<h1>Confirm your new e-mail address</h1>
<p>Your organisation’s identity provider changed your e-mail address in the team account <strong>${check.accountName}</strong>.</p>
<dl class="facts">
<dt>Current address</dt><dd>${check.currentEmail}</dd>
<dt>New address</dt><dd>${check.newEmail}</dd>
</dl>
<form method="post">
<input type="hidden" name="csrf" value="${csrf}">
<p><button type="submit">Use ${check.newEmail}</button></p>
</form>
<p class="hint">The link works until ${formatUtc(new Date(check.expiresAt))}. Until you confirm, you keep signing in with ${check.currentEmail}. If you did not expect this change, close this page and tell your administrator.</p>`,
        ),
      );
    });

    scope.post<{ Params: { secret: string }; Body: unknown }>(
      `${EMAIL_CHANGE_PATH}/:secret`,
      { bodyLimit: FORM_BODY_LIMIT },
      async (request, reply) => {
        const field = formField(request.body, 'csrf');
        const cookie = readCookie(request.headers.cookie, CSRF_COOKIE) ?? '';
        if (field === '' || !sameSecret(field, cookie) || !fromThisSite(request, deps.accountUrl)) {
          return send(
            reply,
            403,
            page(
              'Please confirm again',
              html`<h1>Please confirm again</h1>
<p>This confirmation did not come from the page that shows the change, or the page was open too long. Your e-mail address has not been changed.</p>
<p>Open the link from the e-mail again and confirm there.</p>`,
            ),
          );
        }
        const result = await acceptEmailChange(deps, request.params.secret);
        if (!result.ok) return send(reply, STATUS[result.problem], problemPage(result));
        request.log.info(
          { memberId: result.member.id, action: 'member.email_changed' },
          'member accepted an e-mail change',
        );
        reply.header(
          'set-cookie',
          `${CSRF_COOKIE}=; Path=${EMAIL_CHANGE_PATH}; Max-Age=0; HttpOnly; SameSite=Strict`,
        );
        return send(
          reply,
          200,
          page(
            'E-mail address changed',
            html`<h1>E-mail address changed</h1>
<p>Your e-mail address in <strong>${result.accountName}</strong> is now <strong>${result.newEmail}</strong>. Use it the next time you sign in.</p>`,
          ),
        );
      },
    );
  });
}
