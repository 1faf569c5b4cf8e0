/**
 * The console's Vaults page (P18): every vault with the groups that open it, and creating a
 * vault for chosen groups. The vault key is made and sealed in the administrator's browser
 * (signup/browser/console-vaults.ts) for the vault id this page carries; the server stores
 * only the sealed values (vaults.ts `createSealedVault`). Without JavaScript the page says
 * that creating a vault needs it.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../web/html.ts';
import { AccountError } from '../errors.ts';
import { sendPage } from '../signup/pages.ts';
import { isJson } from '../signup/routes.ts';
import { createSealedVault, listVaultsWithGroups, vaultRecipients } from '../vaults.ts';
import { consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

export const VAULTS_PATH = '/vaults';

export function registerVaultPages(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, assets, requireAdmin, requireFormToken, viewOf } = context;

  scope.get(VAULTS_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const [vaults, recipients] = await Promise.all([
      listVaultsWithGroups(deps.store),
      vaultRecipients(deps.store),
    ]);
    const view = await viewOf(request);
    const done = (request.query as Record<string, unknown> | null)?.done === 'created';
    return sendPage(
      reply,
      200,
      consolePage(
        assets,
        view,
        'Vaults',
        html`<h1>Vaults</h1>
${done ? html`<p class="done" role="status">Vault created. Members of its groups open it on their vaults page once confirmed.</p>` : ''}
${
  vaults.length === 0
    ? html`<p>No vaults yet.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">Vault</th><th scope="col">Opened by</th><th scope="col">Created</th></tr></thead>
<tbody>${vaults.map(({ vault, groups, permissions }) => html`<tr><td><a href="${VAULTS_PATH}/${vault.id}">${vault.name}</a></td><td>${groups.map((group, i) => `${group} (${permissions[i]})`).join(', ')}</td><td>${vault.createdAt.replace('T', ' ').slice(0, 16)} UTC</td></tr>`)}</tbody></table></div>`
}
<h2 id="create-heading">Create a vault</h2>
<p class="problem needs-script">Creating a vault makes its key in this browser, so that the server never holds it. That needs the page's script: turn on JavaScript for this site.</p>
<p id="problem" class="problem" role="alert" hidden></p>
<form id="vault-create-form" method="post" action="${VAULTS_PATH}" data-vault-id="${deps.ids()}" aria-labelledby="create-heading" novalidate>
${csrfField(view.csrfToken)}
<label for="vault-name">Name</label>
<input id="vault-name" name="name" type="text" maxlength="200" required>
<fieldset><legend>Groups that open it</legend>
${
  recipients.length === 0
    ? html`<p class="hint">No group has a key pair yet: the bridge makes them once it has its token.</p>`
    : recipients.map(
        (group) =>
          html`<label><input type="checkbox" name="group" value="${group.id}" data-public-key="${group.publicKey}"> ${group.displayName}</label>`,
      )
}
</fieldset>
<p class="hint">Each group chosen here manages the vault: on its page you can then grant it to other groups, with view, edit or manage.</p>
<button type="submit">Create vault</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`,
      ),
    );
  });

  scope.post(
    VAULTS_PATH,
    { bodyLimit: 256 * 1024, preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      if (!isJson(request)) {
        throw new AccountError(
          'invalid_input',
          "Creating a vault needs the page's script: turn on JavaScript for this site.",
        );
      }
      const body = request.body as { vaultId?: unknown; name?: unknown; grants?: unknown };
      try {
        const { vault } = await createSealedVault(deps, {
          id: typeof body.vaultId === 'string' ? body.vaultId : '',
          name: typeof body.name === 'string' ? body.name : '',
          grants: Array.isArray(body.grants) ? body.grants : [],
        });
        request.log.info(
          { memberId: request.admin!.member.id, vaultId: vault.id },
          'vault created in the console',
        );
        return reply.header('cache-control', 'no-store').send({ next: `${VAULTS_PATH}?done=created` });
      } catch (error) {
        if (!(error instanceof AccountError)) throw error;
        return reply
          .code(error.code === 'group_not_found' ? 404 : 400)
          .header('cache-control', 'no-store')
          .send({ message: error.message });
      }
    },
  );
}
