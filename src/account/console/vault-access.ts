/**
 * A vault's page in the console (issue 11, P18): the groups that open it with their
 * permission, changing a permission and revoking a grant (plain forms), and granting it to
 * another group. Granting needs the vault key: the
 * page's script (signup/browser/console-keys.ts) opens it with the administrator's own keys
 * and password, through a group they hold, and posts it sealed for the chosen group.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import { changeVaultPermission } from '../change-vault-permission.ts';
import { AccountError } from '../errors.ts';
import { VAULT_PERMISSIONS, type VaultPermission } from '../model.ts';
import { sendPage } from '../signup/pages.ts';
import {
  grantVaultToGroup,
  revokeVaultGrant,
  type VaultGrantState,
  vaultGrantState,
} from '../vault-grants.ts';
import { refusal, requireScript } from './key-actions.ts';
import { type ConsoleView, consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';
import { VAULTS_PATH } from './vaults.ts';

const DONE: Record<string, string> = {
  granted: 'Granted: its members open the vault on their vaults page.',
  revoked: 'Revoked: the group no longer opens the vault.',
  permission: 'Permission changed.',
};

/** What each level allows, as the page explains it (P18). */
const PERMISSION_TEXT: Record<VaultPermission, string> = {
  view: 'view: open the vault and read its items',
  edit: 'edit: view, and change its items',
  manage: "manage: edit, and set the vault's groups and permissions",
};

interface Shown {
  notice?: string;
  revokeProblem?: string;
  /** A refused permission change, shown beside that group's field. */
  permissionProblem?: { groupId: string; message: string };
}

const permissionOptions = (selected: VaultPermission) =>
  VAULT_PERMISSIONS.map(
    (level) => html`<option value="${level}"${level === selected ? ' selected' : ''}>${level}</option>`,
  );

type Params = { Params: { id: string } };

function vaultPage(context: ConsoleContext, view: ConsoleView, state: VaultGrantState, shown: Shown): string {
  const { vault } = state;
  const path = `${VAULTS_PATH}/${vault.id}`;
  const grantProblem =
    state.candidates.length === 0
      ? undefined
      : state.heldBy.length === 0
        ? `You are a member of no group that opens ${vault.name} (${state.granted.map((group) => group.displayName).join(', ')}), so you cannot open its key to pass it on. An administrator who is a member of one of them can grant it.`
        : undefined;
  const notice: SafeHtml | string = shown.notice
    ? html`<p class="done" role="status">${shown.notice}</p>`
    : '';
  return consolePage(
    context.assets,
    view,
    vault.name,
    html`<p><a href="${VAULTS_PATH}">Vaults</a></p>
<h1>${vault.name}</h1>
${notice}
<h2 id="granted-heading">Groups that open it</h2>
${shown.revokeProblem ? html`<p id="revoke-problem" class="problem" role="alert">${shown.revokeProblem}</p>` : ''}
${
  // A group no longer granted has no field to show its problem beside.
  shown.permissionProblem && !state.granted.some((group) => group.id === shown.permissionProblem?.groupId)
    ? html`<p id="permission-problem" class="problem" role="alert">${shown.permissionProblem.message}</p>`
    : ''
}
<div class="table-wrap"><table aria-labelledby="granted-heading"><thead><tr><th scope="col">Group</th><th scope="col">Permission</th><th scope="col">Access</th></tr></thead>
<tbody>${state.granted.map((group, index) => {
      const problem =
        shown.permissionProblem?.groupId === group.id ? shown.permissionProblem.message : undefined;
      return html`<tr><td>${group.displayName}</td>
<td><form method="post" action="${path}/permission" class="row-form">${csrfField(view.csrfToken)}
<input type="hidden" name="groupId" value="${group.id}">
<select id="permission-${index}" name="permission" aria-label="Permission of ${group.displayName}"${problem ? html` aria-invalid="true" aria-describedby="permission-${index}-error"` : ''}>${permissionOptions(group.permission)}</select>
<button type="submit" class="secondary" aria-label="Save the permission of ${group.displayName}">Save</button>
${problem ? html`<p id="permission-${index}-error" class="field-error" role="alert">${problem}</p>` : ''}</form></td>
<td><form method="post" action="${path}/revoke">${csrfField(view.csrfToken)}
<input type="hidden" name="groupId" value="${group.id}">
<button type="submit" class="secondary" aria-label="Revoke ${group.displayName}">Revoke</button></form></td></tr>`;
    })}</tbody></table></div>
<p class="hint" id="permission-levels">Permissions, each including the one before: ${VAULT_PERMISSIONS.map((level) => PERMISSION_TEXT[level]).join('; ')}. A vault always keeps at least one group with manage. The account records them; no item of a vault can be read or changed through the account server yet, so they restrict nothing today.</p>
<p class="hint">Revoking takes the group's sealed copy of the vault key away. Members who opened the vault before may have kept its key: to shut them out for good, move the secrets to a new vault.</p>
<h2 id="grant-heading">Grant it to another group</h2>
${
  state.candidates.length === 0
    ? html`<p class="hint">Every group with a key pair opens this vault already.</p>`
    : grantProblem
      ? html`<p id="grant-problem" class="problem" role="alert">Cannot grant here: ${grantProblem}</p>`
      : html`<p class="problem needs-script">Granting opens the vault key in this browser: turn on JavaScript for this site.</p>
<form id="vault-grant-form" method="post" action="${path}/grants" data-vault-id="${vault.id}" aria-labelledby="grant-heading" novalidate>
${csrfField(view.csrfToken)}
<label for="grant-group">Group</label>
<select id="grant-group" name="groupId"><option value="">Choose a group</option>
${state.candidates.map((group) => html`<option value="${group.id}" data-public-key="${group.publicKey}">${group.displayName}</option>`)}
</select>
<label for="grant-permission">Permission</label>
<select id="grant-permission" name="permission" aria-describedby="grant-permission-hint">${permissionOptions('view')}</select>
<p id="grant-permission-hint" class="hint">View unless you choose more; you can change it afterwards.</p>
<label for="password">Your password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-hint">
<p id="password-hint" class="hint">It opens your key of ${state.heldBy[0] ?? ''} here, in this browser; it is not sent.</p>
<p id="problem" class="field-error" role="alert" hidden></p>
<button type="submit">Grant</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`
}`,
  );
}

export function registerVaultAccess(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, actorOf } = context;
  const form = { preHandler: [requireAdmin, requireFormToken] };

  async function show(request: FastifyRequest<Params>, reply: FastifyReply, status: number, shown: Shown) {
    const state = await vaultGrantState(deps, request.admin!.member.id, request.params.id);
    return sendPage(reply, status, vaultPage(context, await viewOf(request), state, shown));
  }

  scope.get<Params>(`${VAULTS_PATH}/:id`, { preHandler: requireAdmin }, (request, reply) => {
    const done = DONE[String((request.query as Record<string, unknown> | null)?.done ?? '')];
    return show(request, reply, 200, done ? { notice: done } : {});
  });

  scope.post<Params>(
    `${VAULTS_PATH}/:id/grants`,
    { bodyLimit: 16 * 1024, ...form },
    async (request, reply) => {
      requireScript(request, 'Granting a vault');
      const body = request.body as { groupId?: unknown; sealedVaultKey?: unknown; permission?: unknown };
      try {
        const group = await grantVaultToGroup(deps, actorOf(request), {
          vaultId: request.params.id,
          groupId: body.groupId,
          sealedVaultKey: body.sealedVaultKey,
          permission: body.permission,
        });
        request.log.info(
          { memberId: request.admin!.member.id, vaultId: request.params.id, groupId: group.id },
          'vault granted in the console',
        );
        return reply
          .header('cache-control', 'no-store')
          .send({ next: `${VAULTS_PATH}/${request.params.id}?done=granted` });
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );

  scope.post<Params>(`${VAULTS_PATH}/:id/permission`, form, async (request, reply) => {
    const body = (request.body as Record<string, unknown> | null) ?? {};
    try {
      await changeVaultPermission(deps, actorOf(request), {
        vaultId: request.params.id,
        groupId: body.groupId,
        permission: body.permission,
      });
      return reply
        .header('cache-control', 'no-store')
        .redirect(`${VAULTS_PATH}/${request.params.id}?done=permission`, 303);
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      const groupId = typeof body.groupId === 'string' ? body.groupId : '';
      return show(request, reply, error.code === 'last_vault_manager' ? 409 : 422, {
        permissionProblem: { groupId, message: error.message },
      });
    }
  });

  scope.post<Params>(`${VAULTS_PATH}/:id/revoke`, form, async (request, reply) => {
    try {
      const groupId = (request.body as Record<string, unknown> | null)?.groupId;
      await revokeVaultGrant(deps, actorOf(request), { vaultId: request.params.id, groupId });
      return reply
        .header('cache-control', 'no-store')
        .redirect(`${VAULTS_PATH}/${request.params.id}?done=revoked`, 303);
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return show(request, reply, 409, { revokeProblem: error.message });
    }
  });
}
