/**
 * The console's pages, server-rendered with the auto-escaping `html` template in the shared
 * page shell (signup/pages.ts `layout`) and stylesheet. Every form carries the session's
 * CSRF token; everything works without JavaScript except sign-in, whose proof is derived in
 * the browser.
 */

import { html, type SafeHtml } from '../../web/html.ts';
import type { Member } from '../model.ts';
import type { MemberAssets } from '../signup/assets.ts';
import { layout, signinForm } from '../signup/pages.ts';

/** The console's pages, in the order of its navigation. */
export const CONSOLE_PAGES = [
  { path: '/', label: 'Overview' },
  { path: '/people', label: 'People' },
  { path: '/groups', label: 'Groups' },
  { path: '/vaults', label: 'Vaults' },
  { path: '/provisioning', label: 'Provisioning' },
  { path: '/activity', label: 'Activity' },
  { path: '/outbox', label: 'Outbox' },
] as const;

export interface ConsoleView {
  accountName: string;
  admin: Member;
  csrfToken: string;
  /** The path of the page shown, for aria-current. */
  current: string;
}

export function csrfField(csrfToken: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrfToken}">`;
}

function header(view: ConsoleView): SafeHtml {
  return html`<a class="skip" href="#main">Skip to content</a>
<header class="console">
<span class="account">${view.accountName}</span>
<nav aria-label="Console"><ul>
${CONSOLE_PAGES.map(
  (page) =>
    html`<li><a href="${page.path}"${page.path === view.current ? html` aria-current="page"` : ''}>${page.label}</a></li>`,
)}
</ul></nav>
<form method="post" action="/admin/signout">
<a href="/account"${view.current === '/account' ? html` aria-current="page"` : ''}>${view.admin.displayName ?? view.admin.email}<span class="skip-text"> (your account and password)</span></a>
${csrfField(view.csrfToken)}
<button type="submit" class="secondary">Sign out</button>
</form>
</header>`;
}

export function consolePage(assets: MemberAssets, view: ConsoleView, title: string, body: SafeHtml): string {
  return layout(assets, title, body, { header: header(view), wide: true });
}

/** What a visitor who is not signed in to the console sees at any console address. */
/** Shown to anyone: it names no account data, not even the account's name (issue 12). */
export function adminSigninPage(assets: MemberAssets): string {
  return layout(
    assets,
    'Sign in to the console',
    html`<h1>Sign in to the console</h1>
<p>For the account's owners and administrators. Members sign in at <a href="/signin">their own page</a>.</p>
${signinForm('/admin/signin')}`,
  );
}

/** A refusal inside the console (a missing form token, an action that is not allowed). */
export function consoleProblemPage(
  assets: MemberAssets,
  view: ConsoleView | undefined,
  title: string,
  message: string,
  next: { href: string; label: string } = { href: '/', label: 'Back to the console' },
): string {
  const body = html`<h1>${title}</h1>
<p class="problem" role="alert">${message}</p>
<p><a href="${next.href}">${next.label}</a></p>`;
  return view ? consolePage(assets, view, title, body) : layout(assets, title, body);
}
