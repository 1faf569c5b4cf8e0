/**
 * The console's Groups pages (P17, P19): every group, built-in and custom, with its members
 * and the vaults granted to it; custom groups are created, renamed, deleted and put on (or
 * taken off) the managed-groups list here. Built-in groups are shown as protected: they keep
 * their names and cannot be deleted, and Provision Managers belongs to the provisioning
 * integration itself. Refusals are shown beside the form they concern; nothing changes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import { addGroupMember, addition, removeGroupMember } from '../change-custom-group-members.ts';
import { createCustomGroup } from '../create-custom-group.ts';
import { AccountError } from '../errors.ts';
import { findGroup } from '../group-rules.ts';
import { listAllGroups } from '../list-all-groups.ts';
import type { Group } from '../model.ts';
import { removeGroup } from '../remove-group.ts';
import { renameGroup } from '../rename-group.ts';
import { setGroupManaged } from '../set-group-managed.ts';
import { sendPage } from '../signup/pages.ts';
import { bridgeKeySection } from './bridge-key.ts';
import { keyStepPage } from './group-members.ts';
import { type ConsoleView, consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

export const GROUPS_PATH = '/groups';
const MEMBERS_PAGE = 100;
const ID_SHAPE = /^[A-Za-z0-9_.:-]{1,100}$/;

const DONE: Record<string, string> = {
  created: 'Group created.',
  renamed: 'Renamed.',
  managed: 'The group is on the managed-groups list: the IdP may now push a group of this name into it.',
  unmanaged: 'The group is off the managed-groups list: the IdP no longer sees it.',
  unchanged: 'Nothing to change: it already was so.',
  deleted: 'The group was deleted; its members stay.',
  added: 'Added.',
  'added-with-key': 'Added, with the group key: they open its vaults now.',
  removed: "Removed: they no longer open the group's vaults.",
  'given-to-bridge': 'The bridge holds the key again: it passes it on to new members from its next run.',
};

const PROTECTION: Partial<Record<Group['kind'], string>> = {
  owners: 'Built-in: the account owners. It keeps its name and cannot be deleted.',
  administrators: 'Built-in: who may use this console. It keeps its name and cannot be deleted.',
  team_members: 'Built-in: everyone who is confirmed. It keeps its name and cannot be deleted.',
  provision_managers:
    'Protected: it belongs to the provisioning integration itself, so it cannot be renamed, deleted or managed by the IdP.',
};

function field(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : '';
}

function notice(request: FastifyRequest): SafeHtml | string {
  const done = DONE[String((request.query as Record<string, unknown> | null)?.done ?? '')];
  return done ? html`<p class="done" role="status">${done}</p>` : '';
}

function kindText(group: Group): string {
  return group.kind === 'custom'
    ? 'custom'
    : group.kind === 'provision_managers'
      ? 'built-in, protected'
      : 'built-in';
}

async function groupsPage(
  context: ConsoleContext,
  view: ConsoleView,
  state: { notice?: SafeHtml | string; create?: { name: string; managed: boolean; problem: string } } = {},
): Promise<string> {
  const groups = await listAllGroups(context.deps);
  const problem = state.create?.problem;
  return consolePage(
    context.assets,
    view,
    'Groups',
    html`<h1>Groups</h1>
${state.notice ?? ''}
<div class="table-wrap"><table>
<thead><tr><th scope="col">Group</th><th scope="col">Kind</th><th scope="col">Managed by provisioning</th><th scope="col">Members</th></tr></thead>
<tbody>${groups.map(
      ({ group, memberCount }) =>
        html`<tr><td><a href="${GROUPS_PATH}/${group.id}">${group.displayName}</a></td><td>${kindText(group)}</td><td>${group.managed ? 'yes' : 'no'}</td><td>${memberCount}</td></tr>`,
    )}</tbody></table></div>
<h2 id="create-heading">Create a custom group</h2>
<form method="post" action="${GROUPS_PATH}" aria-labelledby="create-heading">${csrfField(view.csrfToken)}
<label for="group-name">Name</label>
<input id="group-name" name="displayName" type="text" maxlength="256" value="${state.create?.name ?? ''}"${problem ? html` aria-invalid="true" aria-describedby="group-name-error"` : ''}>
${problem ? html`<p id="group-name-error" class="field-error">${problem}</p>` : ''}
<label><input type="checkbox" name="managed" value="yes"${state.create?.managed ? html` checked` : ''}> On the managed-groups list (the IdP's group of this name will take it over)</label>
<button type="submit">Create group</button>
</form>`,
  );
}

export async function groupPage(
  context: ConsoleContext,
  view: ConsoleView,
  group: Group,
  after: string | undefined,
  state: {
    notice?: SafeHtml | string;
    problem?: { action: string; message: string };
    name?: string;
    email?: string;
  } = {},
): Promise<string> {
  const { store } = context.deps;
  const [members, count, grants, setAside, bridgeKey] = await Promise.all([
    store.listGroupMembers(group.id, { limit: MEMBERS_PAGE + 1, ...(after ? { afterMemberId: after } : {}) }),
    store.countGroupMembers(group.id),
    store.listVaultGrantsOfGroups([group.id]),
    // A few rows at most: the groups a re-created integration set aside (P20).
    group.managed ? [] : store.listPreviousIntegrationGroups(),
    bridgeKeySection(context, view, group),
  ]);
  const waitsForTransfer = setAside.some((entry) => entry.group.id === group.id);
  const shown = members.slice(0, MEMBERS_PAGE);
  const next = members.length > MEMBERS_PAGE ? shown[shown.length - 1]!.id : undefined;
  const problemFor = (action: string): SafeHtml | string =>
    state.problem?.action === action
      ? html`<p id="problem-${action}" class="problem" role="alert">${state.problem.message}</p>`
      : '';
  const action = (path: string): string => `${GROUPS_PATH}/${group.id}/${path}`;
  const changeable = group.kind === 'custom' && !group.managed;
  return consolePage(
    context.assets,
    view,
    group.displayName,
    html`<p><a href="${GROUPS_PATH}">Groups</a></p>
<h1>${group.displayName}</h1>
${state.notice ?? ''}
${problemFor('general')}
<dl class="facts">
<dt>Kind</dt><dd>${kindText(group)}</dd>
<dt>Managed by provisioning</dt><dd>${group.managed ? 'yes: the IdP sets its name and members' : 'no'}</dd>
<dt>Members</dt><dd>${count}</dd>
</dl>
${PROTECTION[group.kind] ? html`<p class="hint" id="protection">${PROTECTION[group.kind]}</p>` : ''}
${bridgeKey}
${waitsForTransfer ? html`<p class="hint" id="set-aside">A previous integration managed this group; it was set aside when the integration was re-created. Transfer it to the new one on the <a href="/provisioning">Provisioning</a> page, or decide about it here: put it on the managed-groups list now, or keep it from the transfer.</p>` : ''}
<h2>Vault access</h2>
${
  grants.length === 0
    ? html`<p>No vault is granted to this group.</p>`
    : html`<ul>${grants.map((grant) => html`<li><a href="/vaults/${grant.vaultId}">${grant.vaultName}</a>: ${grant.permission}</li>`)}</ul>
<p class="hint">Permissions (view, edit, manage) are set on each vault's page.</p>`
}
<h2>Members</h2>
${problemFor('members')}
${
  shown.length === 0
    ? html`<p>No members.</p>`
    : html`<ul>${shown.map((member) => html`<li><a href="/people/${member.id}">${member.display ?? member.id}</a>${changeable ? html` <form method="post" action="${action('members/remove')}" class="inline-form">${csrfField(view.csrfToken)}<input type="hidden" name="memberId" value="${member.id}"><button type="submit" class="secondary" aria-label="Remove ${member.display ?? member.id}">Remove</button></form>` : ''}</li>`)}</ul>
${next ? html`<p><a href="${GROUPS_PATH}/${group.id}?after=${next}" rel="next">More members</a></p>` : ''}`
}
${
  changeable
    ? html`<form method="post" action="${action('members')}" aria-label="Add a person">${csrfField(view.csrfToken)}
<label for="member-email">Add a person (their e-mail address)</label>
<input id="member-email" name="email" type="email" maxlength="320" value="${state.email ?? ''}"${state.problem?.action === 'members' ? html` aria-invalid="true" aria-describedby="problem-members"` : ''}>
<button type="submit" class="secondary">Add</button></form>`
    : group.kind === 'custom'
      ? html`<p class="hint">The IdP manages this group: change its members in the IdP.</p>`
      : ''
}
${
  group.kind !== 'custom'
    ? ''
    : html`<h2>Change</h2>
<section aria-label="Rename">${problemFor('rename')}
<form method="post" action="${action('rename')}">${csrfField(view.csrfToken)}
<label for="new-name">New name</label>
<input id="new-name" name="displayName" type="text" maxlength="256" value="${state.name ?? group.displayName}">
${group.managed ? html`<p class="hint">The IdP manages this group: it renames it back on its next push. Rename it in the IdP.</p>` : ''}
<button type="submit" class="secondary">Rename</button></form></section>
<section aria-label="Managed-groups list">${problemFor('managed')}
<form method="post" action="${action('managed')}">${csrfField(view.csrfToken)}
<input type="hidden" name="managed" value="${group.managed ? 'no' : 'yes'}">
<button type="submit" class="secondary">${group.managed ? 'Take off the managed-groups list' : 'Put on the managed-groups list'}</button></form>
${
  waitsForTransfer
    ? html`<form method="post" action="${action('managed')}">${csrfField(view.csrfToken)}
<input type="hidden" name="managed" value="no">
<button type="submit" class="secondary">Keep it from the transfer</button></form>`
    : ''
}</section>
<section aria-label="Delete">${problemFor('delete')}
<form method="post" action="${action('delete')}">${csrfField(view.csrfToken)}
<label><input type="checkbox" name="confirm" value="yes"> Yes, delete ${group.displayName}: its members stay, its vault grants go</label>
<button type="submit" class="danger">Delete group</button></form></section>`
}`,
  );
}

export function registerGroupPages(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, actorOf } = context;
  const form = { preHandler: [requireAdmin, requireFormToken] };

  async function requireGroup(id: string): Promise<Group> {
    const group = await findGroup(deps.store, id);
    if (group === undefined) throw new AccountError('group_not_found', 'There is no such group (any more).');
    return group;
  }

  scope.get(GROUPS_PATH, { preHandler: requireAdmin }, async (request, reply) =>
    sendPage(reply, 200, await groupsPage(context, await viewOf(request), { notice: notice(request) })),
  );

  scope.post(GROUPS_PATH, form, async (request, reply) => {
    const name = field(request, 'displayName');
    const managed = field(request, 'managed') === 'yes';
    try {
      const group = await createCustomGroup(deps, actorOf(request), { displayName: name, managed });
      return reply
        .header('cache-control', 'no-store')
        .redirect(`${GROUPS_PATH}/${group.id}?done=created`, 303);
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return sendPage(
        reply,
        error.code === 'invalid_input' ? 400 : 409,
        await groupsPage(context, await viewOf(request), {
          create: { name, managed, problem: error.message },
        }),
      );
    }
  });

  scope.get<{ Params: { id: string } }>(
    `${GROUPS_PATH}/:id`,
    { preHandler: requireAdmin },
    async (request, reply) => {
      const after = String((request.query as Record<string, unknown> | null)?.after ?? '');
      const group = await requireGroup(request.params.id);
      return sendPage(
        reply,
        200,
        await groupPage(context, await viewOf(request), group, ID_SHAPE.test(after) ? after : undefined, {
          notice: notice(request),
        }),
      );
    },
  );

  async function act(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    action: string,
    run: (group: Group) => Promise<string | { page: string }>,
  ): Promise<FastifyReply> {
    const group = await requireGroup(request.params.id);
    try {
      const done = await run(group);
      // A further step (the group key to pass on) is a page of its own.
      if (typeof done !== 'string') return sendPage(reply, 200, done.page);
      const target =
        done === 'deleted' ? `${GROUPS_PATH}?done=deleted` : `${GROUPS_PATH}/${group.id}?done=${done}`;
      return reply.header('cache-control', 'no-store').redirect(target, 303);
    } catch (error) {
      if (!(error instanceof AccountError) || error.code === 'group_not_found') throw error;
      // A built-in group has no forms: its refusal shows at the top of its page.
      const where = group.kind === 'custom' ? action : 'general';
      return sendPage(
        reply,
        error.code === 'invalid_input' ? 400 : 409,
        await groupPage(context, await viewOf(request), await requireGroup(group.id), undefined, {
          problem: { action: where, message: error.message },
          ...(action === 'rename' ? { name: field(request, 'displayName') } : {}),
          ...(action === 'members' ? { email: field(request, 'email') } : {}),
        }),
      );
    }
  }

  scope.post<{ Params: { id: string } }>(`${GROUPS_PATH}/:id/members`, form, (request, reply) =>
    act(request, reply, 'members', async (group) => {
      const email = field(request, 'email');
      const found = await addition(deps.store, request.admin!.member.id, group.id, email);
      if (found.needsKey) return { page: keyStepPage(context, await viewOf(request), found) };
      await addGroupMember(deps, actorOf(request), { groupId: group.id, email });
      return 'added';
    }),
  );

  scope.post<{ Params: { id: string } }>(`${GROUPS_PATH}/:id/members/remove`, form, (request, reply) =>
    act(request, reply, 'members', async (group) => {
      await removeGroupMember(deps, actorOf(request), {
        groupId: group.id,
        memberId: field(request, 'memberId'),
      });
      return 'removed';
    }),
  );

  scope.post<{ Params: { id: string } }>(`${GROUPS_PATH}/:id/rename`, form, (request, reply) =>
    act(request, reply, 'rename', async (group) =>
      (await renameGroup(deps, actorOf(request), group.id, field(request, 'displayName'))).changed
        ? 'renamed'
        : 'unchanged',
    ),
  );

  scope.post<{ Params: { id: string } }>(`${GROUPS_PATH}/:id/managed`, form, (request, reply) =>
    act(request, reply, 'managed', async (group) => {
      const managed = field(request, 'managed') === 'yes';
      const { changed } = await setGroupManaged(deps, actorOf(request), group.id, managed);
      return changed ? (managed ? 'managed' : 'unmanaged') : 'unchanged';
    }),
  );

  scope.post<{ Params: { id: string } }>(`${GROUPS_PATH}/:id/delete`, form, (request, reply) =>
    act(request, reply, 'delete', async (group) => {
      if (field(request, 'confirm') !== 'yes' && group.kind === 'custom') {
        throw new AccountError('invalid_input', 'Tick the box to confirm: deleting cannot be undone.');
      }
      await removeGroup(deps, actorOf(request), group.id);
      return 'deleted';
    }),
  );
}
