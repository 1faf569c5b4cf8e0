/**
 * Keys must be made on the member's device, so without the script the forms say so plainly.
 * Password fields have no `name`: a scriptless submit can never carry the password to the server.
 */

import type { FastifyReply } from 'fastify';
import { MIN_PASSWORD_LENGTH } from '../../crypto/sign-in-proof.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import type { InvitationView } from '../complete-signup.ts';
import type { Member, MemberCredential } from '../model.ts';
import type { MemberAssets } from './assets.ts';

export function layout(
  assets: MemberAssets,
  title: string,
  body: SafeHtml,
  options: { header?: SafeHtml; wide?: boolean } = {},
): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · scimbridge</title>
<link rel="stylesheet" href="${assets.style.path}">
<script defer src="${assets.script.path}"></script>
</head>
<body${options.wide ? html` class="wide"` : ''}>${options.header ?? ''}<main id="main">
${body}
</main></body></html>`.value;
}

/** Never cached: it shows who is signed in. */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page);
}

export const NEEDS_SCRIPT = html`<p class="problem needs-script">This page creates your encryption keys in your browser, so that
your password and private key never leave this device. That needs the page's script: turn on
JavaScript for this site and reload the page.</p>`;

export function signupPage(assets: MemberAssets, view: InvitationView, formAction: string): string {
  if (view.ownerSetup) return ownerSetupPage(assets, view, formAction);
  return layout(
    assets,
    `Join ${view.accountName}`,
    html`<h1>Join ${view.accountName}</h1>
<p>You were invited as <strong>${view.email}</strong>${view.displayName ? html` (${view.displayName})` : ''}.
Choose a password to create your account. This link works until
<time datetime="${view.expiresAt}">${view.expiresAt.replace('T', ' ').slice(0, 16)} UTC</time>.</p>
${NEEDS_SCRIPT}
<p id="problem" class="problem" role="alert" hidden></p>
<form id="signup-form" method="post" action="${formAction}" data-iterations="${view.passwordIterations}" novalidate>
<input type="email" name="username" autocomplete="username" value="${view.email}" hidden readonly>
<label for="password">Password</label>
<input id="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" aria-describedby="password-hint">
<p id="password-hint" class="hint">At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a good one. It cannot be reset by anyone: it alone opens your keys.</p>
<label for="password-confirm">Password again</label>
<input id="password-confirm" type="password" autocomplete="new-password" required>
<button type="submit">Create my account</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>
<div id="done" class="done" tabindex="-1" hidden>
<p><strong>You are signed up.</strong> Your account is waiting to be confirmed; that happens automatically,
usually within a few minutes, and you will get an e-mail when it is ready.</p>
<p><a href="/signin">Sign in</a></p>
</div>`,
  );
}

function ownerSetupPage(assets: MemberAssets, view: InvitationView, formAction: string): string {
  return layout(
    assets,
    `Set up ${view.accountName}`,
    html`<h1>Set up ${view.accountName}</h1>
<p>You are the owner of this account, <strong>${view.email}</strong>. Choose your name and a password;
your encryption keys are made in this browser. This link works once, until
<time datetime="${view.expiresAt}">${view.expiresAt.replace('T', ' ').slice(0, 16)} UTC</time>.</p>
${NEEDS_SCRIPT}
<p id="problem" class="problem" role="alert" hidden></p>
<form id="signup-form" method="post" action="${formAction}" data-iterations="${view.passwordIterations}" novalidate>
<input type="email" name="username" autocomplete="username" value="${view.email}" hidden readonly>
<label for="display-name">Your name</label>
<input id="display-name" type="text" autocomplete="name" required maxlength="200" value="${view.displayName ?? ''}">
<label for="password">Password</label>
<input id="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" aria-describedby="password-hint">
<p id="password-hint" class="hint">At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a good one. Nobody can reset it: it alone opens your keys and the account's vaults.</p>
<label for="password-confirm">Password again</label>
<input id="password-confirm" type="password" autocomplete="new-password" required>
<button type="submit">Set up my account</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>
<div id="done" class="done" tabindex="-1" hidden>
<p><strong>Your account is set up.</strong> Sign in to the console with your e-mail address and this password.</p>
<p><a href="/">Sign in to the console</a></p>
</div>`,
  );
}

export function problemPage(
  assets: MemberAssets,
  title: string,
  message: string,
  next?: { href: string; label: string },
): string {
  return layout(
    assets,
    title,
    html`<h1>${title}</h1>
<p class="problem" role="alert">${message}</p>
${next ? html`<p><a href="${next.href}">${next.label}</a></p>` : ''}`,
  );
}

export function signinForm(action: string): SafeHtml {
  return html`${NEEDS_SCRIPT}
<p id="problem" class="problem" role="alert" hidden></p>
<form id="signin-form" method="post" action="${action}" novalidate>
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`;
}

export function signinPage(assets: MemberAssets): string {
  return layout(
    assets,
    'Sign in',
    html`<h1>Sign in</h1>
${signinForm('/signin')}`,
  );
}

const STATE_TEXT: Record<Member['state'], string> = {
  invited: 'invited',
  pending: 'waiting to be confirmed; this happens automatically, and you will get an e-mail',
  active: 'active',
  suspended: 'suspended',
};

export function memberPage(
  assets: MemberAssets,
  member: Member,
  csrfToken: string,
  password: { credential: MemberCredential | undefined; iterations: number; changed: unknown },
): string {
  return layout(
    assets,
    'Your account',
    html`<h1>Your account</h1>
${passwordChangedNotice(password.changed)}
<p>Signed in as <strong>${member.email}</strong>${member.displayName ? html` (${member.displayName})` : ''}.</p>
<p id="member-state">Your account is ${STATE_TEXT[member.state]}.</p>
<p><a href="/member/vaults">Your vaults</a></p>
<form method="post" action="/signout">
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit">Sign out</button>
</form>
<section aria-labelledby="password-heading">
<h2 id="password-heading">Change your password</h2>
<p>${PASSWORD_CHANGE_TEXT}</p>
${passwordChangeForm({ action: '/member/password', keysPath: '/member/keys', email: member.email, csrfToken, ...password })}
</section>`,
  );
}

/**
 * The password change form of the console's "Your account" and the member page (issue 11).
 * Its script (browser/password-change.ts) fetches the person's sealed key from `keysPath`,
 * proves the current password with `credential`'s parameters and seals the key again.
 */
export function passwordChangeForm(options: {
  action: string;
  keysPath: string;
  email: string;
  csrfToken: string;
  credential: MemberCredential | undefined;
  iterations: number;
}): SafeHtml {
  const { credential } = options;
  if (credential === undefined)
    return html`<p class="problem" role="alert">You have no password yet: finish setting up your account first.</p>`;
  return html`<p class="problem needs-script">Changing your password opens your keys in this browser: turn on JavaScript for this site.</p>
<p id="problem" class="problem" role="alert" hidden></p>
<form id="password-form" method="post" action="${options.action}" data-keys="${options.keysPath}" data-proof-salt="${credential.proofSalt}" data-proof-iterations="${String(credential.proofIterations)}" data-iterations="${String(options.iterations)}" novalidate>
<input type="hidden" name="csrf" value="${options.csrfToken}">
<input type="email" name="username" autocomplete="username" value="${options.email}" hidden readonly>
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
<p id="status" role="status" aria-live="polite" hidden></p>`;
}

/** The notice after a change: `ended` is the `changed` query value the change redirects to. */
export function passwordChangedNotice(ended: unknown): SafeHtml | string {
  if (typeof ended !== 'string' || !/^\d{1,6}$/.test(ended)) return '';
  const count = Number(ended);
  return html`<p class="done" role="status">Your password is changed. ${
    count === 0
      ? 'You were signed in nowhere else.'
      : `${count} other session${count === 1 ? ' was' : 's were'} signed out: sign in there with the new password.`
  }</p>`;
}

export const PASSWORD_CHANGE_TEXT =
  'Your password opens your keys, so it is changed in this browser: your current password opens your private key here and the new one seals it again. Neither password is sent. Every other browser where you are signed in — to the console or to your own page — is signed out and needs the new password.';
