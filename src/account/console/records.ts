/**
 * The console's Activity and Outbox pages: what changed (who, what, when), newest first, paged
 * by keyset (`?before=<entry id>`) and filtered by what (`?action=`) and about whom
 * (`?about=`), and the e-mail outbox by state. The outbox shows who each message is for, its
 * kind and delivery, never its data (which holds sign-up links until delivery).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import {
  ACTIVITY_ACTION_NAMES,
  ACTIVITY_ACTIONS,
  type ActivityAction,
  activityLabel,
  isActivityAction,
} from '../activity-actions.ts';
import { retryMail } from '../mail/retry-mail.ts';
import type { ActivityEntry, MailState, OutboxMessage } from '../model.ts';
import { sendPage } from '../signup/pages.ts';
import { consolePage, csrfField } from './pages.ts';
import { activityTabs } from './request-log.ts';
import type { ConsoleContext } from './routes.ts';

export const ACTIVITY_PATH = '/activity';
export const OUTBOX_PATH = '/outbox';

const ACTIVITY_PAGE = 50;
const OUTBOX_PAGE = 100;
const MAIL_STATES: readonly MailState[] = ['queued', 'sent', 'failed'];
const ID_SHAPE = /^[A-Za-z0-9_.:-]{1,100}$/;

const ACTOR: Record<ActivityEntry['actor'], string> = {
  provisioning: 'the IdP (provisioning)',
  admin: 'an administrator',
  member: 'the member',
  system: 'scimbridge',
};

type ActionPrefix = ActivityAction extends `${infer Prefix}.${string}` ? Prefix : never;
/** The "What" chooser's group of each action's first part: a new first part must be placed. */
const ACTION_GROUP: Record<ActionPrefix, string> = {
  member: 'People',
  group: 'Groups',
  group_keys: 'Groups',
  vault: 'Vaults',
  integration: 'Provisioning',
  account: 'Account',
  firewall: 'Account',
  mail: 'Account',
  monitoring: 'Monitoring',
  monitoring_token: 'Monitoring',
};
const groupOf = (action: ActivityAction): string =>
  ACTION_GROUP[action.slice(0, action.indexOf('.')) as ActionPrefix];
const ACTION_GROUPS = [...new Set(Object.values(ACTION_GROUP))];

const MAIL_STATE_TEXT: Record<MailState, string> = { queued: 'waiting', sent: 'sent', failed: 'failing' };

function utc(iso: string | null): SafeHtml | string {
  return iso === null ? '—' : html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

function query(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function targetOf(entry: ActivityEntry, names: Map<string, string>): SafeHtml {
  if (entry.targetType === 'member') {
    const name = names.get(entry.targetId);
    return name === undefined
      ? html`a deleted person <code>${entry.targetId}</code>`
      : html`<a href="/people/${entry.targetId}">${name}</a>`;
  }
  return html`${entry.targetType} <code>${entry.targetId}</code>`;
}

/** What happened in words, with the stored name small beside it (what `?action=` takes). */
export function actionOf(entry: ActivityEntry): SafeHtml {
  return html`${activityLabel(entry.action)} <small class="hint"><code>${entry.action}</code></small>`;
}

function actionChoice(asked: string | undefined, problem: string | undefined): SafeHtml {
  const options = (group: string) =>
    ACTIVITY_ACTION_NAMES.filter((action) => groupOf(action) === group).map(
      (action) =>
        html`<option value="${action}"${asked === action ? html` selected` : ''}>${ACTIVITY_ACTIONS[action]}</option>`,
    );
  return html`<div class="field"><label for="f-action">What</label>
<select id="f-action" name="action"${problem ? html` aria-invalid="true" aria-describedby="f-action-error"` : ''}>
<option value="">Anything</option>
${ACTION_GROUPS.map((group) => html`<optgroup label="${group}">${options(group)}</optgroup>`)}
</select>${problem ? html`<p id="f-action-error" class="field-error">${problem}</p>` : ''}</div>`;
}

/** The page's address with the filters kept; `before` for the next page. */
function activityHref(filters: { action?: string; about?: string }, before?: string): string {
  const params = new URLSearchParams();
  if (filters.action) params.set('action', filters.action);
  if (filters.about) params.set('about', filters.about);
  if (before) params.set('before', before);
  const search = params.toString();
  return search === '' ? ACTIVITY_PATH : `${ACTIVITY_PATH}?${search}`;
}

/** Detail as short `key: value` text; values are JSON, escaped by the template. */
function detailOf(entry: ActivityEntry): string {
  return Object.entries(entry.detail)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

function mailRow(message: OutboxMessage, csrfToken: string): SafeHtml {
  return html`<tr><td>${message.to}</td><td>${message.template.replace(/_/g, ' ')}</td><td>${MAIL_STATE_TEXT[message.state]}</td>
<td>${message.attempts}</td><td>${utc(message.createdAt)}</td><td>${message.state === 'sent' ? utc(message.sentAt) : message.state === 'queued' ? html`next try ${utc(message.nextAttemptAt)}` : ''}</td>
<td>${message.lastError ?? ''}</td>
<td>${
    message.state === 'failed'
      ? html`<form method="post" action="${OUTBOX_PATH}/${message.id}/retry">${csrfField(csrfToken)}<button type="submit" class="secondary" aria-label="Send the ${message.template.replace(/_/g, ' ')} to ${message.to} again">Send again</button></form>`
      : ''
  }</td></tr>`;
}

export function registerRecordPages(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, assets, requireAdmin, requireFormToken, viewOf } = context;

  scope.post<{ Params: { id: string } }>(
    `${OUTBOX_PATH}/:id/retry`,
    { preHandler: [requireAdmin, requireFormToken] },
    async (request, reply) => {
      await retryMail(deps, request.params.id);
      return reply
        .header('cache-control', 'no-store')
        .redirect(`${OUTBOX_PATH}?state=queued&done=retried`, 303);
    },
  );

  scope.get(ACTIVITY_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const before = query(request, 'before');
    const asked = query(request, 'about');
    const about = asked !== undefined && ID_SHAPE.test(asked) ? asked : undefined;
    const askedAction = query(request, 'action')?.slice(0, 100);
    const action: ActivityAction | undefined =
      askedAction !== undefined && isActivityAction(askedAction) ? askedAction : undefined;
    const problem =
      askedAction !== undefined && action === undefined
        ? `There is no action "${askedAction}": choose one from the list.`
        : undefined;
    const filters = { ...(action ? { action } : {}), ...(about ? { about } : {}) };
    const entries = problem
      ? []
      : await deps.store.listActivity({
          limit: ACTIVITY_PAGE + 1,
          ...(before !== undefined && ID_SHAPE.test(before) ? { before } : {}),
          ...(about ? { targetId: about } : {}),
          ...(action ? { action } : {}),
        });
    const shown = entries.slice(0, ACTIVITY_PAGE);
    const next = entries.length > ACTIVITY_PAGE ? shown[shown.length - 1]!.id : undefined;
    // The people on this page by name (at most one read each).
    const memberIds = [...new Set(shown.filter((e) => e.targetType === 'member').map((e) => e.targetId))];
    const members = await Promise.all(memberIds.map((id) => deps.store.getMember(id)));
    const names = new Map<string, string>();
    for (const member of members) if (member) names.set(member.id, member.displayName ?? member.email);
    return sendPage(
      reply,
      problem ? 400 : 200,
      consolePage(
        assets,
        await viewOf(request),
        'Activity',
        html`<h1>Activity</h1>
${activityTabs('changes')}
<p>Every change to the account, newest first: who made it, what changed and when.${about ? html` Only the changes about <code>${about}</code> (<a href="${activityHref({ ...(action ? { action } : {}) })}">about anyone</a>).` : ''}</p>
<form method="get" action="${ACTIVITY_PATH}" class="filters" aria-label="Filter the activity">
${actionChoice(action ?? askedAction, problem)}
${about ? html`<input type="hidden" name="about" value="${about}">` : ''}
<div class="field"><button type="submit">Filter</button> <a href="${ACTIVITY_PATH}">Clear</a></div>
</form>
${
  problem
    ? html`<p class="problem" role="alert">Correct the filter to see the activity.</p>`
    : shown.length === 0
      ? html`<p>${action || about || before ? 'No change matches.' : 'Nothing has happened yet.'}</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">About</th><th scope="col">Detail</th></tr></thead>
<tbody>${shown.map(
          (entry) =>
            html`<tr><td>${utc(entry.at)}</td><td>${ACTOR[entry.actor]}</td><td>${actionOf(entry)}</td><td>${targetOf(entry, names)}</td><td>${detailOf(entry)}</td></tr>`,
        )}</tbody></table></div>`
}
<p>${before ? html`<a href="${activityHref(filters)}">Newest</a> ` : ''}${next ? html`<a href="${activityHref(filters, next)}" rel="next">Older</a>` : ''}</p>`,
      ),
    );
  });

  scope.get(OUTBOX_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const asked = query(request, 'state');
    const state = MAIL_STATES.find((candidate) => candidate === asked);
    const [messages, counts] = await Promise.all([
      deps.store.listMail({ limit: OUTBOX_PAGE, ...(state ? { state } : {}) }),
      deps.store.countMailByState(),
    ]);
    const view = await viewOf(request);
    const retried = (request.query as Record<string, unknown> | null)?.done === 'retried';
    return sendPage(
      reply,
      200,
      consolePage(
        assets,
        view,
        'Outbox',
        html`<h1>Outbox</h1>
${retried ? html`<p class="done" role="status">The e-mail is queued again; the sender tries it within a minute while an SMTP server is set.</p>` : ''}
<p>E-mail the account sends: invitations, "account ready", e-mail changes and bridge notices.
Waiting mail is sent while an SMTP server is set (SCIMBRIDGE_SMTP_URL); failing mail says why.</p>
<nav aria-label="Outbox states"><ul class="cards">
<li><a href="${OUTBOX_PATH}"${state === undefined ? html` aria-current="page"` : ''}>All</a></li>
${MAIL_STATES.map(
  (candidate) =>
    html`<li><a href="${OUTBOX_PATH}?state=${candidate}"${state === candidate ? html` aria-current="page"` : ''}><span class="count">${counts[candidate]}</span> ${MAIL_STATE_TEXT[candidate]}</a></li>`,
)}
</ul></nav>
${
  messages.length === 0
    ? html`<p>No e-mail${state ? html` ${MAIL_STATE_TEXT[state]}` : ''}.</p>`
    : html`<div class="table-wrap"><table>
<caption class="hint">The newest ${OUTBOX_PAGE} at most</caption>
<thead><tr><th scope="col">To</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Queued</th><th scope="col">Delivery</th><th scope="col">Last error</th><th scope="col"><span class="skip-text">Action</span></th></tr></thead>
<tbody>${messages.map((message) => mailRow(message, view.csrfToken))}</tbody></table></div>`
}`,
      ),
    );
  });
}
