/**
 * "Your account" in the console (issue 11): who is signed in, and changing their password.
 * The page's script (signup/browser/password-change.ts) proves the current password, re-seals
 * the same private key under the new one and posts only proofs and the sealed key
 * (change-password.ts). A wrong current password counts as a failed sign-in (back-off, then
 * lockout). Every session of the person ends; this browser gets a new one, so it stays signed
 * in while a copied cookie or a session opened with the old password opens nothing.
 */

import type { FastifyInstance } from 'fastify';
import { html } from '../../web/html.ts';
import { signupSettings } from '../deps.ts';
import type { MemberCredential } from '../model.ts';
import {
  PASSWORD_CHANGE_TEXT,
  passwordChangedNotice,
  passwordChangeForm,
  sendPage,
} from '../signup/pages.ts';
import { answerPasswordChange } from '../signup/password-route.ts';
import { newConsoleSession } from './admin-sign-in.ts';
import { ADMIN_KEY_RING_PATH, requireScript } from './key-actions.ts';
import { type ConsoleView, consolePage } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

export const ACCOUNT_PATH = '/account';
const PASSWORD_PATH = `${ACCOUNT_PATH}/password`;
const BODY_LIMIT = 16 * 1024;

function accountPage(
  context: ConsoleContext,
  view: ConsoleView,
  credential: MemberCredential | undefined,
  changed: unknown,
): string {
  const { admin } = view;
  const iterations = signupSettings(context.deps).passwordIterations;
  return consolePage(
    context.assets,
    view,
    'Your account',
    html`<h1>Your account</h1>
${passwordChangedNotice(changed)}
<p>Signed in as <strong>${admin.email}</strong>${admin.displayName ? html` (${admin.displayName})` : ''}, ${admin.role === 'owner' ? 'the owner of the account' : 'an administrator'}.</p>
<section aria-labelledby="password-heading">
<h2 id="password-heading">Change your password</h2>
<p>${PASSWORD_CHANGE_TEXT}</p>
${passwordChangeForm({ action: PASSWORD_PATH, keysPath: ADMIN_KEY_RING_PATH, email: admin.email, csrfToken: view.csrfToken, credential, iterations })}
</section>`,
  );
}

export function registerAccountPage(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, attempts } = context;

  scope.get(ACCOUNT_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const credential = await deps.store.getMemberCredential(request.admin!.member.id);
    const changed = (request.query as Record<string, unknown> | null)?.changed;
    return sendPage(reply, 200, accountPage(context, await viewOf(request), credential, changed));
  });

  scope.post(
    PASSWORD_PATH,
    { bodyLimit: BODY_LIMIT, preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      requireScript(request, 'Changing your password');
      const { member } = request.admin!;
      attempts.check(request, member.email);
      return answerPasswordChange(request, reply, {
        deps,
        member,
        actor: 'admin',
        newSession: () => newConsoleSession(deps, context.sessions, member.id),
        failed: () => attempts.failed(request, member.email),
        succeeded: () => attempts.succeeded(member.email),
        setCookie: (token) => context.setSessionCookie(request, reply, token),
        next: (ended) => `${ACCOUNT_PATH}?changed=${ended}`,
      });
    },
  );
}
