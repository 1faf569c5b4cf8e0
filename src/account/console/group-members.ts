/**
 * Adding a confirmed person to a custom group that has a key pair (issue 11): the group's key
 * must go with them. This step's page asks for the administrator's password; its script
 * (signup/browser/console-keys.ts) opens the group key with the administrator's own share,
 * seals it for the person and posts it, and the membership and the share are written
 * together (change-custom-group-members.ts). When the administrator holds no share of the
 * group key, the page says so and offers no form.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../web/html.ts';
import { type Addition, addGroupMember } from '../change-custom-group-members.ts';
import { refusal, requireScript } from './key-actions.ts';
import { type ConsoleView, consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

const GROUPS_PATH = '/groups';

export function keyStepPage(context: ConsoleContext, view: ConsoleView, found: Addition): string {
  const { group, member } = found;
  const groupPath = `${GROUPS_PATH}/${group.id}`;
  return consolePage(
    context.assets,
    view,
    `Add to ${group.displayName}`,
    html`<p><a href="${groupPath}">${group.displayName}</a></p>
<h1>Add ${member.email} to ${group.displayName}</h1>
<p>They are confirmed, so ${group.displayName}'s key goes with them: your browser opens it with your own copy and seals it for them. The server never sees it.</p>
${
  found.held
    ? html`<p class="problem needs-script">Passing the key on opens it in this browser: turn on JavaScript for this site.</p>
<form id="member-key-form" method="post" action="${groupPath}/members/key" data-member-id="${member.id}" data-public-key="${found.publicKey ?? ''}" novalidate>
${csrfField(view.csrfToken)}
<input type="hidden" name="email" value="${member.email}">
<input type="hidden" name="group" value="${group.id}" data-name="${group.displayName}">
<label for="password">Your password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-hint">
<p id="password-hint" class="hint">It opens your keys here, in this browser; it is not sent.</p>
<p id="problem" class="field-error" role="alert" hidden></p>
<button type="submit">Add ${member.email}</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`
    : html`<p class="problem" role="alert" id="key-problem">Cannot add them here: you do not hold the key of ${group.displayName}, so you cannot pass it on. An administrator who is a member of ${group.displayName} can add them. Nothing was changed.</p>`
}`,
  );
}

export function registerGroupMemberKeys(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, actorOf } = context;
  scope.post<{ Params: { id: string } }>(
    `${GROUPS_PATH}/:id/members/key`,
    { bodyLimit: 16 * 1024, preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      requireScript(request, 'Passing on a group key');
      const body = request.body as { email?: unknown; shares?: unknown };
      const share = Array.isArray(body.shares)
        ? (body.shares[0] as { sealedPrivateKey?: unknown })?.sealedPrivateKey
        : undefined;
      try {
        const member = await addGroupMember(deps, actorOf(request), {
          groupId: request.params.id,
          email: typeof body.email === 'string' ? body.email : '',
          share: share ?? null,
        });
        request.log.info(
          { memberId: request.admin!.member.id, groupId: request.params.id, added: member.id },
          'group member added with the group key',
        );
        return reply
          .header('cache-control', 'no-store')
          .send({ next: `${GROUPS_PATH}/${request.params.id}?done=added-with-key` });
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );
}
