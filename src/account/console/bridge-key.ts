/**
 * Giving a managed group's key back to the bridge from the group's page, as `scimbridge group
 * give-key-to-bridge` does: after the group left the managed-groups list and came back, its
 * seal for the provisioning key is gone. The page's script (signup/browser/console-keys.ts)
 * opens the administrator's share with the password typed on the page and seals the group
 * key for the provisioning key; the account stores it through the same use case as the CLI.
 */
import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import { listAdministratorIds } from '../administrator-rules.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import { giveGroupKeyToBridge, prepareGroupKeyForBridge } from '../give-group-key-to-bridge.ts';
import { bridgeMayHoldKey } from '../key-chain-rules.ts';
import type { Group } from '../model.ts';
import { refusal, requireScript, sendJson } from './key-actions.ts';
import { type ConsoleView, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

const GROUPS_PATH = '/groups';
const ADMINS_LISTED = 100;

/** The other active administrators (members of Owners or Administrators) who hold `group`'s current key: who can give it. */
async function holders(deps: AccountDeps, group: Group, publicKey: string, self: string): Promise<string[]> {
  const { store } = deps;
  const names: string[] = [];
  for (const id of await listAdministratorIds(store, ADMINS_LISTED)) {
    if (id === self) continue;
    const [member, shares] = await Promise.all([store.getMember(id), store.listGroupKeySharesOfMember(id)]);
    if (member?.state !== 'active') continue;
    if (shares.some((share) => share.groupId === group.id && share.groupPublicKey === publicKey))
      names.push(member.displayName ?? member.email);
  }
  return names;
}

/** The group page's section on the bridge's copy of the key; empty for groups the bridge never holds. */
export async function bridgeKeySection(
  context: ConsoleContext,
  view: ConsoleView,
  group: Group,
): Promise<SafeHtml | string> {
  const { deps } = context;
  if (!bridgeMayHoldKey(group)) return '';
  const [key] = await deps.store.getGroupKeys([group.id]);
  if (key === undefined) return '';
  const heading = html`<h2 id="bridge-key-heading">The bridge and the group key</h2>`;
  if (key.sealedForProvisioning !== null)
    return html`${heading}<p id="bridge-key-held">The bridge holds the key of ${group.displayName}: it passes it on to new members itself.</p>`;
  const intro = html`${heading}<p>The bridge does not hold the key of ${group.displayName} (it was taken away when the group left the managed-groups list), so it cannot confirm new members of it. An administrator who holds the key gives it again: your browser opens it with your password and seals it for the bridge. The server never sees it.</p>`;
  try {
    const handover = await prepareGroupKeyForBridge(deps, {
      group: group.id,
      administrator: view.admin.email,
    });
    return html`${intro}
<p class="problem needs-script">Giving the key opens it in this browser: turn on JavaScript for this site.</p>
<form id="bridge-key-form" method="post" action="${GROUPS_PATH}/${group.id}/give-key" data-group-id="${group.id}" data-group-name="${group.displayName}" data-group-public-key="${handover.groupPublicKey}" data-provisioning-public-key="${handover.provisioningPublicKey}" aria-labelledby="bridge-key-heading" novalidate>
${csrfField(view.csrfToken)}
<label for="password">Your password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-hint">
<p id="password-hint" class="hint">It opens your keys here, in this browser; it is not sent.</p>
<p id="problem" class="field-error" role="alert" hidden></p>
<button type="submit">Give the key to the bridge</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`;
  } catch (error) {
    if (!(error instanceof AccountError)) throw error;
    const who =
      error.code === 'invalid_input' ? await holders(deps, group, key.publicKey, view.admin.id) : [];
    return html`${intro}<p class="problem" id="bridge-key-problem">Cannot give it here: ${error.message}.${
      who.length > 0
        ? html` Administrators who hold it: ${who.join(', ')}.`
        : error.code === 'invalid_input'
          ? ' No other administrator holds it: a member of the group who holds its key must be made an administrator first.'
          : ''
    }</p>`;
  }
}

export function registerBridgeKey(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, actorOf } = context;
  scope.post<{ Params: { id: string } }>(
    `${GROUPS_PATH}/:id/give-key`,
    { bodyLimit: 16 * 1024, preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      requireScript(request, 'Giving the key to the bridge');
      const body = request.body as Record<string, unknown>;
      const text = (name: string): string => (typeof body[name] === 'string' ? (body[name] as string) : '');
      try {
        const group = await giveGroupKeyToBridge(deps, actorOf(request), {
          groupId: request.params.id,
          groupPublicKey: text('groupPublicKey'),
          provisioningPublicKey: text('provisioningPublicKey'),
          sealedForProvisioning: text('sealedForProvisioning'),
        });
        request.log.info(
          { memberId: request.admin!.member.id, groupId: group.id },
          'group key given to the bridge in the console',
        );
        return sendJson(reply, 200, { next: `${GROUPS_PATH}/${group.id}?done=given-to-bridge` });
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );
}
