/**
 * "Your account" in the console (issue 11): who is signed in, and changing their password.
 * The page's script (signup/browser/password-change.ts) proves the current password, re-seals
 * the same private key under the new one and posts only proofs and the sealed key
 * (change-password.ts). A wrong current password counts as a failed sign-in (back-off, then
 * lockout). Every session of the person ends; this browser gets a new one, so it stays signed
 * in while a copied cookie or a session opened with the old password opens nothing.
 */

import type { FastifyInstance } from 'fastify';
import { MIN_PASSWORD_LENGTH } from '../../crypto/sign-in-proof.ts';
import { html } from '../../web/html.ts';
import { changePassword, parsePasswordChange } from '../change-password.ts';
import { signupSettings } from '../deps.ts';
import type { MemberCredential } from '../model.ts';
import { sendPage } from '../signup/pages.ts';
import { SignupError } from '../signup-errors.ts';
import { newConsoleSession } from './admin-sign-in.ts';
import { requireScript, sendJson } from './key-actions.ts';
import { type ConsoleView, consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

export const ACCOUNT_PATH = '/account';
const PASSWORD_PATH = `${ACCOUNT_PATH}/password`;
const BODY_LIMIT = 16 * 1024;

function changedNotice(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value)) return undefined;
  const ended = Number(value);
  return `Your password is changed. ${
    ended === 0
      ? 'You were signed in nowhere else.'
      : `${ended} other session${ended === 1 ? ' was' : 's were'} signed out: sign in there with the new password.`
  }`;
}

function accountPage(
  context: ConsoleContext,
  view: ConsoleView,
  credential: MemberCredential | undefined,
  notice: string | undefined,
): string {
  const { admin } = view;
  const iterations = signupSettings(context.deps).passwordIterations;
  return consolePage(
    context.assets,
    view,
    'Your account',
    html`<h1>Your account</h1>
${notice ? html`<p class="done" role="status">${notice}</p>` : ''}
<p>Signed in as <strong>${admin.email}</strong>${admin.displayName ? html` (${admin.displayName})` : ''}, ${admin.role === 'owner' ? 'the owner of the account' : 'an administrator'}.</p>
<section aria-labelledby="password-heading">
<h2 id="password-heading">Change your password</h2>
<p>Your password opens your keys, so it is changed in this browser: your current password opens your private key here and the new one seals it again. Neither password is sent. Every other browser where you are signed in — to the console or to your own page — is signed out and needs the new password.</p>
${
  credential === undefined
    ? html`<p class="problem" role="alert">You have no password yet: finish setting up your account first.</p>`
    : html`<p class="problem needs-script">Changing your password opens your keys in this browser: turn on JavaScript for this site.</p>
<p id="problem" class="problem" role="alert" hidden></p>
<form id="password-form" method="post" action="${PASSWORD_PATH}" data-proof-salt="${credential.proofSalt}" data-proof-iterations="${String(credential.proofIterations)}" data-iterations="${String(iterations)}" novalidate>
${csrfField(view.csrfToken)}
<input type="email" name="username" autocomplete="username" value="${admin.email}" hidden readonly>
<label for="current-password">Current password</label>
<input id="current-password" type="password" autocomplete="current-password" required aria-describedby="current-password-error">
<p id="current-password-error" class="field-error" hidden></p>
<label for="new-password">New password</label>
<input id="new-password" type="password" autocomplete="new-password" required minlength="${String(MIN_PASSWORD_LENGTH)}" aria-describedby="new-password-hint new-password-error">
<p id="new-password-hint" class="hint">At least ${String(MIN_PASSWORD_LENGTH)} characters. Nobody can reset it for you: it alone opens your keys.</p>
<p id="new-password-error" class="field-error" hidden></p>
<label for="new-password-confirm">New password again</label>
<input id="new-password-confirm" type="password" autocomplete="new-password" required aria-describedby="new-password-confirm-error">
<p id="new-password-confirm-error" class="field-error" hidden></p>
<button type="submit">Change password</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`
}
</section>`,
  );
}

export function registerAccountPage(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, attempts } = context;

  scope.get(ACCOUNT_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const credential = await deps.store.getMemberCredential(request.admin!.member.id);
    const notice = changedNotice((request.query as Record<string, unknown> | null)?.changed);
    return sendPage(reply, 200, accountPage(context, await viewOf(request), credential, notice));
  });

  scope.post(
    PASSWORD_PATH,
    { bodyLimit: BODY_LIMIT, preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      requireScript(request, 'Changing your password');
      const { member } = request.admin!;
      attempts.check(request, member.email);
      const change = parsePasswordChange(request.body);
      const { sessionToken, session } = newConsoleSession(deps, context.sessions, member.id);
      let otherSessionsEnded: number;
      try {
        ({ otherSessionsEnded } = await changePassword(deps, {
          memberId: member.id,
          change,
          replacement: session,
          actor: 'admin',
        }));
      } catch (error) {
        if (!(error instanceof SignupError && error.code === 'sign_in_failed')) throw error;
        attempts.failed(request, member.email);
        request.log.info(
          { memberId: member.id, outcome: 'wrong_current_password' },
          'console password change refused: the current password is wrong',
        );
        return sendJson(reply, 401, { error: error.code, message: error.message, field: 'current-password' });
      }
      attempts.succeeded(member.email);
      context.setSessionCookie(request, reply, sessionToken);
      request.log.info(
        { memberId: member.id, outcome: 'password_changed', otherSessionsEnded },
        'administrator changed their password; their other sessions ended',
      );
      return sendJson(reply, 200, { next: `${ACCOUNT_PATH}?changed=${otherSessionsEnded}` });
    },
  );
}
