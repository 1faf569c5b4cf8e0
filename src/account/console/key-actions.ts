/**
 * The console's actions that need the key chain in the administrator's browser (issue 11):
 * confirming a pending person by hand when no bridge runs. The page names the keys the
 * confirmation passes on and whether the administrator holds each; the page's script
 * (signup/browser/console-keys.ts) fetches the administrator's own key ring (all sealed),
 * opens it with the password typed on the page, seals the group keys for the person and
 * posts only the sealed values. The account checks and confirms through the watcher's own
 * use case (confirm-by-hand.ts → confirmMember).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../web/html.ts';
import {
  confirmByHand,
  groupsToSeal,
  type HandConfirmation,
  handConfirmationProblem,
  readHandConfirmation,
} from '../confirm-by-hand.ts';
import { AccountError } from '../errors.ts';
import type { Member } from '../model.ts';
import { sendPage } from '../signup/pages.ts';
import { isJson } from '../signup/routes.ts';
import { readMemberKeyRing } from '../vaults.ts';
import { type ConsoleView, consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

/** The signed-in administrator's own key ring, for the console's scripts. */
export const ADMIN_KEY_RING_PATH = '/admin/key-ring';

const BODY_LIMIT = 256 * 1024;

function nameOf(member: Member): string {
  return member.displayName ?? member.email;
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send(body);
}

/** The JSON answer of a refused key action: the message the page shows beside the form. */
export function refusal(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof AccountError)) throw error;
  const status = error.code === 'invalid_input' ? 400 : error.code.endsWith('_not_found') ? 404 : 409;
  return sendJson(reply, status, { error: error.code, message: error.message });
}

/** Key actions post JSON from the page's script; a plain form post means the script did not run (shown as a page). */
export function requireScript(request: FastifyRequest, what: string): void {
  if (!isJson(request))
    throw new AccountError(
      'invalid_input',
      `${what} needs the page's script: turn on JavaScript for this site.`,
    );
}

function confirmPage(context: ConsoleContext, view: ConsoleView, found: HandConfirmation): string {
  const { member } = found;
  const problem = handConfirmationProblem(found);
  const personPath = `/people/${member.id}`;
  return consolePage(
    context.assets,
    view,
    `Confirm ${nameOf(member)}`,
    html`<p><a href="${personPath}">${nameOf(member)}</a></p>
<h1>Confirm ${nameOf(member)} by hand</h1>
<p>Confirming passes on the keys of their groups, so that they can open their groups' vaults. A bridge does this by itself when it runs; here your browser does it with the keys you hold, opened with your password. The server never sees a key.</p>
<div class="table-wrap"><table><caption class="hint">The keys they get</caption>
<thead><tr><th scope="col">Group</th><th scope="col">You hold its key</th></tr></thead>
<tbody>${found.groups.map(
      (group) =>
        html`<tr><td>${group.displayName}</td><td>${group.hasKey ? (group.held ? 'yes' : group.required ? 'no' : 'no: they get it later from an administrator who holds it') : 'it has no key pair yet'}</td></tr>`,
    )}</tbody></table></div>
${
  problem
    ? html`<p class="problem" role="alert" id="confirm-problem">Cannot confirm here: ${problem} Nothing was changed.</p>`
    : html`<p class="problem needs-script">Confirming opens keys in this browser: turn on JavaScript for this site.</p>
<form id="confirm-form" method="post" action="${personPath}/confirm" data-member-id="${member.id}" data-public-key="${found.publicKey ?? ''}" data-version="${String(member.version)}" novalidate>
${csrfField(view.csrfToken)}
${groupsToSeal(found).map((group) => html`<input type="hidden" name="group" value="${group.groupId}" data-name="${group.displayName}">`)}
<label for="password">Your password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-hint">
<p id="password-hint" class="hint">It opens your keys here, in this browser; it is not sent.</p>
<p id="problem" class="field-error" role="alert" hidden></p>
<button type="submit">Confirm ${nameOf(member)}</button>
</form>
<p id="status" role="status" aria-live="polite" hidden></p>`
}`,
  );
}

export function registerKeyActions(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, actorOf } = context;

  scope.get(ADMIN_KEY_RING_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const ring = await readMemberKeyRing(deps.store, request.admin!.member.id);
    if (ring === undefined)
      return sendJson(reply, 404, { error: 'no_keys', message: 'You have no key pair: you hold no keys.' });
    return sendJson(reply, 200, ring);
  });

  scope.get<{ Params: { id: string } }>(
    '/people/:id/confirm',
    { preHandler: requireAdmin },
    async (request, reply) => {
      const found = await readHandConfirmation(deps, request.admin!.member.id, request.params.id);
      return sendPage(reply, 200, confirmPage(context, await viewOf(request), found));
    },
  );

  scope.post<{ Params: { id: string } }>(
    '/people/:id/confirm',
    { bodyLimit: BODY_LIMIT, preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      requireScript(request, 'Confirming by hand');
      try {
        const body = request.body as { expectedVersion?: unknown; shares?: unknown };
        const outcome = await confirmByHand(deps, actorOf(request), request.params.id, {
          expectedVersion: body.expectedVersion,
          shares: body.shares,
        });
        request.log.info(
          { memberId: request.admin!.member.id, confirmed: request.params.id, outcome },
          'member confirmed by hand in the console',
        );
        return sendJson(reply, 200, {
          next: `/people/${request.params.id}?done=${outcome === 'confirmed' ? 'confirmed' : 'unchanged'}`,
        });
      } catch (error) {
        return refusal(reply, error);
      }
    },
  );
}
