/**
 * The signed-in member's vaults (the proof of the key chain in the browser). The server
 * hands over the member's key ring — their sealed private key, their groups' keys sealed
 * for them, and the vault keys sealed for those groups — and the page's script opens it
 * with the password the member types, on their device (`src/crypto/open-vaults.ts`). The
 * server never sees the password and cannot open anything it sends.
 *
 * Registered inside the member routes' scope, so the same security headers and error
 * handling apply.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../web/html.ts';
import type { AccountDeps } from '../deps.ts';
import type { Member } from '../model.ts';
import { readMemberKeyRing } from '../vaults.ts';
import type { MemberAssets } from './assets.ts';
import type { MemberAuth } from './member-auth.ts';
import { layout, NEEDS_SCRIPT, sendPage } from './pages.ts';

export function vaultsPage(assets: MemberAssets, member: Member): string {
  const pending =
    member.state === 'active'
      ? ''
      : html`<p class="hint">Your account is not confirmed yet: until it is, no vault opens for you.</p>`;
  return layout(
    assets,
    'Your vaults',
    html`<h1>Your vaults</h1>
<p>Signed in as <strong>${member.email}</strong>. Your vault keys are opened here, in your browser, with
your password; it is not sent anywhere.</p>
${pending}
${NEEDS_SCRIPT}
<p id="problem" class="problem" role="alert" hidden></p>
<form id="vaults-form" method="get" action="/member/vaults" novalidate>
<input type="email" name="username" autocomplete="username" value="${member.email}" hidden readonly>
<label for="password">Password</label>
<input id="password" type="password" autocomplete="current-password" required>
<button type="submit">Open my vaults</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>
<section id="vaults-result" hidden aria-labelledby="vaults-heading">
<h2 id="vaults-heading" tabindex="-1">Vaults you can open</h2>
<p id="vaults-empty" hidden>No vault opens for you yet.</p>
<ul id="vaults-list"></ul>
</section>
<p><a href="/member">Back to your account</a></p>`,
  );
}

export function registerVaultRoutes(
  scope: FastifyInstance,
  options: { deps: AccountDeps; auth: MemberAuth; assets: MemberAssets },
): void {
  const { deps, auth, assets } = options;

  scope.get('/member/vaults', { preHandler: auth.requireMember }, async (request, reply) => {
    const { member } = request.member!;
    return sendPage(reply, 200, vaultsPage(assets, member));
  });

  /** Everything sealed the member needs; 404 when they have no keys (not signed up). */
  scope.get('/member/key-ring', { preHandler: auth.requireMember }, async (request, reply) => {
    const { member } = request.member!;
    const ring = await readMemberKeyRing(deps.store, member.id);
    reply.header('cache-control', 'no-store');
    if (ring === undefined) {
      return reply.code(404).send({ error: 'no_keys', message: 'This member has no keys yet.' });
    }
    return reply.code(200).send(ring);
  });
}
