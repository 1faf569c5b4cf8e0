/**
 * The console's People pages (issue 11, P12, P14): the list, searched by the beginning of a
 * name or e-mail, filtered by state and by "managed by provisioning", paged by keyset (the
 * list use case's opaque `next` cursor, so a page costs the same at 100,000 people); and a
 * person's page with their state, groups, vault access, invitation and activity, and the
 * actions an administrator takes: a new invitation, suspend, reactivate and delete (the only
 * place a member is ever deleted). Each action is a form (CSRF-checked) that redirects back
 * to the page with what happened (POST, then GET); a refusal changes nothing and is shown on
 * the page, beside the form it concerns.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import {
  AdministratorError,
  administratorsAmong,
  assertOwnerActs,
  mayBeAppointed,
} from '../administrator-rules.ts';
import { appointAdministrator } from '../appoint-administrator.ts';
import { countPeople } from '../count-people.ts';
import { AccountError } from '../errors.ts';
import { getPerson, type PersonDetail } from '../get-person.ts';
import { listPeople, MEMBER_STATES, type PeopleList } from '../list-people.ts';
import type { Member, MemberState } from '../model.ts';
import { reactivateMember } from '../reactivate-member.ts';
import { reinviteMember } from '../reinvite-member.ts';
import { removeAdministrator } from '../remove-administrator.ts';
import { removeMember } from '../remove-member.ts';
import { resendInvitation } from '../resend-invitation.ts';
import { sendPage } from '../signup/pages.ts';
import { SignupError } from '../signup-errors.ts';
import { suspendMember } from '../suspend-member.ts';
import { type ConsoleView, consolePage, consoleProblemPage, csrfField } from './pages.ts';
import { actionOf } from './records.ts';
import type { ConsoleContext } from './routes.ts';

export const PEOPLE_PATH = '/people';

const STATE_TEXT: Record<MemberState, string> = {
  invited: 'invited',
  pending: 'waiting to be confirmed',
  active: 'active',
  suspended: 'suspended',
};

/** What a finished action says at the top of the page it returns to. */
const DONE: Record<string, string> = {
  invited: 'A new invitation is in the outbox; the earlier link no longer works.',
  suspended: 'Suspended: they can no longer sign in, and their sessions ended.',
  reactivated: 'Reactivated.',
  confirmed: 'Confirmed: they hold their groups\' keys now, and the "account ready" e-mail is in the outbox.',
  unchanged: 'Nothing to change: it already was so.',
  deleted: 'The person was deleted for good. The activity log keeps what happened.',
  appointed: 'They are an administrator now: they may sign in to this console.',
  removed: 'They are no longer an administrator: their sessions ended at once.',
};

/** Said wherever administrators are made: the key chain gives them no keys (DESIGN.md). */
const NO_KEYS_HANDED_OVER =
  "Appointing gives console rights; it does not hand over group keys: they hold only their own groups' keys.";

interface ListFilters {
  q: string;
  state: string;
  managed: boolean;
  after: string | undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function filtersOf(request: FastifyRequest): ListFilters {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const after = text(query.after);
  return {
    q: text(query.q).slice(0, 300),
    state: text(query.state),
    managed: text(query.managed) === '1',
    after: after === '' ? undefined : after,
  };
}

function listHref(filters: ListFilters, after?: string): string {
  const params = new URLSearchParams();
  if (filters.q !== '') params.set('q', filters.q);
  if (filters.state !== '') params.set('state', filters.state);
  if (filters.managed) params.set('managed', '1');
  if (after !== undefined) params.set('after', after);
  const search = params.toString();
  return search === '' ? PEOPLE_PATH : `${PEOPLE_PATH}?${search}`;
}

function nameOf(member: Member): string {
  return (
    member.displayName ?? ([member.givenName, member.familyName].filter(Boolean).join(' ') || member.email)
  );
}

function utc(iso: string | null): SafeHtml | string {
  return iso === null ? '—' : html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 16)} UTC</time>`;
}

function doneNotice(request: FastifyRequest): SafeHtml | string {
  const done = DONE[text((request.query as Record<string, unknown> | null)?.done)];
  return done ? html`<p class="done" role="status">${done}</p>` : '';
}

function peoplePage(
  view: ConsoleView,
  context: ConsoleContext,
  filters: ListFilters,
  result: { list: PeopleList; administrators: Set<string> } | { problem: string },
  counts: Record<MemberState, number>,
  notice: SafeHtml | string,
): string {
  const problem = 'problem' in result ? result.problem : undefined;
  const list = 'list' in result ? result.list : undefined;
  const roleOf = (member: Member) =>
    member.role === 'owner'
      ? ' (owner)'
      : 'administrators' in result && result.administrators.has(member.id)
        ? ' (administrator)'
        : '';
  return consolePage(
    context.assets,
    view,
    'People',
    html`<h1>People</h1>
${notice}
<form method="get" action="${PEOPLE_PATH}" role="search">
<label for="q">Search</label>
<input id="q" name="q" type="search" value="${filters.q}" aria-describedby="q-hint${problem ? ' q-error' : ''}"${problem ? html` aria-invalid="true"` : ''}>
${problem ? html`<p id="q-error" class="field-error">${problem}</p>` : ''}
<p id="q-hint" class="hint">The beginning of a name or an e-mail address, e.g. "ana" or "ana.lopez@".</p>
<label for="state">State</label>
<select id="state" name="state">
<option value="">Any state</option>
${MEMBER_STATES.map(
  (state) =>
    html`<option value="${state}"${filters.state === state ? html` selected` : ''}>${STATE_TEXT[state]} (${counts[state]})</option>`,
)}
</select>
<label><input type="checkbox" name="managed" value="1" class="inline"${filters.managed ? html` checked` : ''}> Only people managed by provisioning</label>
<button type="submit">Show</button>
</form>
${
  list === undefined
    ? ''
    : list.people.length === 0
      ? html`<p>Nobody matches.</p>`
      : html`<div class="table-wrap"><table>
<caption class="hint">In e-mail order</caption>
<thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">State</th><th scope="col">Managed by provisioning</th></tr></thead>
<tbody>${list.people.map(
          (member) =>
            html`<tr><td><a href="${PEOPLE_PATH}/${member.id}">${nameOf(member)}</a>${roleOf(member)}</td><td>${member.email}</td><td>${STATE_TEXT[member.state]}</td><td>${member.managed ? 'yes' : 'no'}</td></tr>`,
        )}</tbody></table></div>
<p>${filters.after ? html`<a href="${listHref(filters)}">First page</a> ` : ''}${list.next ? html`<a href="${listHref(filters, list.next)}" rel="next">Next page</a>` : ''}</p>`
}`,
  );
}

function actionForm(
  view: ConsoleView,
  member: Member,
  action: string,
  label: string,
  extra: SafeHtml | string = '',
  danger = false,
): SafeHtml {
  return html`<form method="post" action="${PEOPLE_PATH}/${member.id}/${action}">${csrfField(view.csrfToken)}${extra}
<button type="submit"${danger ? html` class="danger"` : html` class="secondary"`}>${label}</button></form>`;
}

/** Only the owner sees it; the routes refuse everyone else too. */
function administratorSection(
  view: ConsoleView,
  member: Member,
  administrator: boolean,
  problemFor: (action: string) => SafeHtml | string,
): SafeHtml | string {
  if (member.role === 'owner') return '';
  if (administrator)
    return html`<section aria-label="Administrator">${problemFor('remove-admin')}
${actionForm(
  view,
  member,
  'remove-admin',
  'Remove administrator',
  html`<label><input type="checkbox" name="confirm" value="yes" class="inline"> Yes, remove ${member.email} from Administrators: their console sessions end at once</label>`,
)}</section>`;
  if (!mayBeAppointed(member))
    return html`<section aria-label="Administrator"><p class="hint">Only an active person who completed sign-up can be made an administrator.</p></section>`;
  return html`<section aria-label="Administrator">${problemFor('appoint-admin')}
${actionForm(
  view,
  member,
  'appoint-admin',
  'Make administrator',
  html`<label><input type="checkbox" name="confirm" value="yes" class="inline"> Yes, let ${member.email} use this console: people, groups, vaults, provisioning and activity</label>`,
)}
<p class="hint">${NO_KEYS_HANDED_OVER}</p></section>`;
}

function personPage(
  view: ConsoleView,
  context: ConsoleContext,
  person: PersonDetail,
  state: { notice?: SafeHtml | string; problem?: { action: string; message: string } },
): string {
  const { member } = person;
  const problemFor = (action: string): SafeHtml | string =>
    state.problem?.action === action
      ? html`<p class="problem" role="alert" id="problem-${action}">${state.problem.message}</p>`
      : '';
  const invitable = member.state === 'invited';
  const administrator = person.groups.some((group) => group.kind === 'administrators');
  return consolePage(
    context.assets,
    view,
    nameOf(member),
    html`<p><a href="${PEOPLE_PATH}">People</a></p>
<h1>${nameOf(member)}</h1>
${state.notice ?? ''}
<dl class="facts">
<dt>E-mail</dt><dd>${member.email}${member.pendingEmail ? html` (changing to ${member.pendingEmail})` : ''}</dd>
<dt>State</dt><dd id="person-state">${STATE_TEXT[member.state]}${member.scimDeleted ? ' (deleted in the IdP)' : ''}</dd>
<dt>Managed by provisioning</dt><dd>${member.managed ? 'yes: the IdP sets their name, address and state' : 'no'}</dd>
<dt>Role</dt><dd id="person-role">${member.role === 'owner' ? 'owner' : administrator ? 'administrator' : member.role}</dd>
<dt>Invited</dt><dd>${utc(member.createdAt)}</dd>
<dt>Signed up</dt><dd>${utc(member.signedUpAt)}</dd>
<dt>Confirmed</dt><dd>${utc(member.confirmedAt)}</dd>
${member.suspendedAt ? html`<dt>Suspended</dt><dd>${utc(member.suspendedAt)}</dd>` : ''}
${person.invitation ? html`<dt>Latest invitation</dt><dd>${person.invitation.status}, until ${utc(person.invitation.expiresAt)}</dd>` : ''}
</dl>
<h2>Groups</h2>
${
  person.groups.length === 0
    ? html`<p>In no group.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">Group</th><th scope="col">Managed</th><th scope="col">Holds its key</th></tr></thead>
<tbody>${person.groups.map((group) => html`<tr><td>${group.displayName}</td><td>${group.managed ? 'yes' : 'no'}</td><td>${group.holdsKey ? 'yes' : 'not yet'}</td></tr>`)}</tbody></table></div>`
}
<h2>Vault access</h2>
${
  person.vaults.length === 0
    ? html`<p>No vault is granted to their groups.</p>`
    : html`<ul>${person.vaults.map((vault) => html`<li>${vault.name}: ${vault.permission}, through ${vault.throughGroups.join(', ')}${vault.opens ? '' : ' (not yet: they do not hold the key)'}</li>`)}</ul>`
}
<h2>Actions</h2>
${
  invitable
    ? html`<section aria-label="Invitation">${problemFor('invite')}${actionForm(view, member, 'invite', 'Send a new invitation')}
<p class="hint">A new link replaces the one they have (P12).</p></section>`
    : ''
}
${
  member.state === 'pending'
    ? html`<section aria-label="Confirmation"><p><a href="${PEOPLE_PATH}/${member.id}/confirm">Confirm by hand</a>: when no bridge runs, pass on their groups' keys from your browser.</p></section>`
    : ''
}
<section aria-label="Suspension">${problemFor(member.state === 'suspended' ? 'reactivate' : 'suspend')}
${member.state === 'suspended' ? actionForm(view, member, 'reactivate', 'Reactivate') : actionForm(view, member, 'suspend', 'Suspend')}
${member.managed ? html`<p class="hint">Provisioning manages this person: suspend or reactivate them in your IdP.</p>` : ''}</section>
${view.admin.role === 'owner' ? administratorSection(view, member, administrator, problemFor) : ''}
<section aria-label="Delete">${problemFor('delete')}
${actionForm(
  view,
  member,
  'delete',
  'Delete for good',
  html`<label><input type="checkbox" name="confirm" value="yes" class="inline"> Yes, delete ${member.email}: their keys and group memberships go, and this cannot be undone</label>`,
  true,
)}</section>
<h2>Activity</h2>
<p><a href="/activity?about=${member.id}">All of their activity</a></p>
${
  person.activity.length === 0
    ? html`<p>None yet.</p>`
    : html`<ul>${person.activity.map((entry) => html`<li>${utc(entry.at)}: ${actionOf(entry)} (${entry.actor})</li>`)}</ul>`
}`,
  );
}

export function registerPeoplePages(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, actorOf } = context;
  const form = { preHandler: [requireAdmin, requireFormToken] };

  scope.get(PEOPLE_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const filters = filtersOf(request);
    const counts = (await countPeople(deps)).byState;
    const view = await viewOf(request);
    try {
      const list = await listPeople(deps, {
        search: filters.q,
        ...(filters.state !== '' ? { state: filters.state } : {}),
        ...(filters.managed ? { managed: true } : {}),
        ...(filters.after !== undefined ? { after: filters.after } : {}),
      });
      const administrators = await administratorsAmong(
        deps.store,
        list.people.map((member) => member.id),
      );
      return sendPage(
        reply,
        200,
        peoplePage(view, context, filters, { list, administrators }, counts, doneNotice(request)),
      );
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return sendPage(reply, 400, peoplePage(view, context, filters, { problem: error.message }, counts, ''));
    }
  });

  scope.get<{ Params: { id: string } }>(
    `${PEOPLE_PATH}/:id`,
    { preHandler: requireAdmin },
    async (request, reply) => {
      const person = await getPerson(deps, request.params.id);
      return sendPage(
        reply,
        200,
        personPage(await viewOf(request), context, person, { notice: doneNotice(request) }),
      );
    },
  );

  /** Runs an action; a refusal re-renders the person's page with the message beside the form. */
  async function act(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    action: string,
    run: () => Promise<string>,
  ): Promise<FastifyReply> {
    try {
      const done = await run();
      const target =
        done === 'deleted'
          ? `${PEOPLE_PATH}?done=deleted`
          : `${PEOPLE_PATH}/${request.params.id}?done=${done}`;
      return reply.header('cache-control', 'no-store').redirect(target, 303);
    } catch (error) {
      if (!(error instanceof AccountError || error instanceof SignupError)) throw error;
      if (error instanceof AccountError && error.code === 'member_not_found') throw error;
      if (error instanceof AdministratorError && error.reason === 'owner_only')
        return sendPage(
          reply,
          403,
          consoleProblemPage(context.assets, await viewOf(request), 'Not allowed', error.message),
        );
      const person = await getPerson(deps, request.params.id);
      return sendPage(
        reply,
        error instanceof AccountError && error.code === 'invalid_input' ? 400 : 409,
        personPage(await viewOf(request), context, person, { problem: { action, message: error.message } }),
      );
    }
  }

  scope.post<{ Params: { id: string } }>(`${PEOPLE_PATH}/:id/invite`, form, (request, reply) =>
    act(request, reply, 'invite', async () => {
      const { member } = await getPerson(deps, request.params.id);
      try {
        await resendInvitation(deps, member.email);
      } catch (error) {
        // No working link to replace (expired, or its e-mail failed): invite again.
        if (!(error instanceof SignupError && error.code === 'not_invitable' && member.state === 'invited'))
          throw error;
        await reinviteMember(deps, member.email);
      }
      return 'invited';
    }),
  );

  scope.post<{ Params: { id: string } }>(`${PEOPLE_PATH}/:id/suspend`, form, (request, reply) =>
    act(request, reply, 'suspend', async () =>
      (await suspendMember(deps, actorOf(request), request.params.id)).changed ? 'suspended' : 'unchanged',
    ),
  );

  scope.post<{ Params: { id: string } }>(`${PEOPLE_PATH}/:id/reactivate`, form, (request, reply) =>
    act(request, reply, 'reactivate', async () =>
      (await reactivateMember(deps, actorOf(request), request.params.id)).changed
        ? 'reactivated'
        : 'unchanged',
    ),
  );

  /** The form's confirmation box, for steps that cannot be undone or change who may use the console. */
  const requireTick = (request: FastifyRequest, what: string) => {
    if ((request.body as Record<string, unknown> | null)?.confirm !== 'yes')
      throw new AccountError('invalid_input', `Tick the box to confirm: ${what}.`);
  };

  scope.post<{ Params: { id: string } }>(`${PEOPLE_PATH}/:id/delete`, form, (request, reply) =>
    act(request, reply, 'delete', async () => {
      requireTick(request, 'deleting cannot be undone');
      await removeMember(deps, actorOf(request), request.params.id);
      return 'deleted';
    }),
  );

  /** Owner first (403 for anyone else), then the tick: both change who may use the console. */
  const confirmed = async (request: FastifyRequest, what: string) => {
    await assertOwnerActs(deps.store, actorOf(request));
    requireTick(request, what);
  };

  scope.post<{ Params: { id: string } }>(`${PEOPLE_PATH}/:id/appoint-admin`, form, (request, reply) =>
    act(request, reply, 'appoint-admin', async () => {
      await confirmed(request, 'an administrator may use every page of this console');
      await appointAdministrator(deps, actorOf(request), request.params.id);
      return 'appointed';
    }),
  );

  scope.post<{ Params: { id: string } }>(`${PEOPLE_PATH}/:id/remove-admin`, form, (request, reply) =>
    act(request, reply, 'remove-admin', async () => {
      await confirmed(request, 'their console sessions end at once');
      await removeAdministrator(deps, actorOf(request), request.params.id);
      return 'removed';
    }),
  );
}
