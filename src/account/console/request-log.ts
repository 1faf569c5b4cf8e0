/**
 * The console's SCIM request log (Activity → SCIM requests): each request a bridge answered,
 * with its IdP, operation, resource, outcome, duration and redacted body, filtered by IdP,
 * outcome, resource and time and paged by keyset (`?before=<entry id>`). The bridge delivers
 * the records in batches (bridge/request-log.ts); everything here is read-only. IdP text (paths,
 * bodies, error details) is escaped by the `html` template like all text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import type { ScimRequestEntry } from '../model.ts';
import { REQUEST_LOG_KEEP, REQUEST_LOG_MAX_AGE_DAYS } from '../record-scim-requests.ts';
import { sendPage } from '../signup/pages.ts';
import type { ScimRequestQuery } from '../store.ts';
import { consolePage } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

export const REQUESTS_PATH = '/activity/requests';
const PAGE = 50;
const ID_SHAPE = /^\d{1,15}$/;
export const IDPS = ['entra', 'okta', 'onelogin', 'jumpcloud', 'rippling', 'google', 'other'] as const;
const RESOURCES = [
  'Users',
  'Groups',
  'Bulk',
  'ServiceProviderConfig',
  'ResourceTypes',
  'Schemas',
  'other',
] as const;
const OUTCOMES = { ok: 'succeeded (below 400)', failed: 'failed (400 and above)' } as const;
/** A `datetime-local` value, read as UTC. */
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/;

type Field = 'idp' | 'outcome' | 'resource' | 'from' | 'to';
interface Filters {
  values: Partial<Record<Field, string>>;
  query: Omit<ScimRequestQuery, 'limit' | 'before'>;
  problems: Partial<Record<Field, string>>;
}

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' && value !== '' ? value.slice(0, 200) : undefined;
}

function instant(value: string): string | undefined {
  const match = LOCAL_TIME.exec(value);
  if (!match) return undefined;
  const iso = `${match[1]}T${match[2]}${match[3] ?? ':00'}.000Z`;
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) || new Date(parsed).toISOString() !== iso ? undefined : iso;
}

/** The filters as asked, each checked; a bad one is reported beside its field and nothing is listed. */
function filtersOf(request: FastifyRequest): Filters {
  const filters: Filters = { values: {}, query: {}, problems: {} };
  const idp = queryValue(request, 'idp');
  if (idp !== undefined) {
    filters.values.idp = idp;
    if ((IDPS as readonly string[]).includes(idp)) filters.query.idp = idp;
    else filters.problems.idp = `Choose one of: ${IDPS.join(', ')}.`;
  }
  const outcome = queryValue(request, 'outcome');
  if (outcome !== undefined) {
    filters.values.outcome = outcome;
    if (outcome === 'ok' || outcome === 'failed') filters.query.outcome = outcome;
    else filters.problems.outcome = 'Choose succeeded or failed.';
  }
  const resource = queryValue(request, 'resource');
  if (resource !== undefined) {
    filters.values.resource = resource;
    if ((RESOURCES as readonly string[]).includes(resource)) filters.query.resourceType = resource;
    else filters.problems.resource = `Choose one of: ${RESOURCES.join(', ')}.`;
  }
  for (const field of ['from', 'to'] as const) {
    const value = queryValue(request, field);
    if (value === undefined) continue;
    filters.values[field] = value;
    const at = instant(value);
    if (at === undefined) filters.problems[field] = 'Give a date and time, like 2026-12-06T09:30 (UTC).';
    else filters.query[field] = at;
  }
  if (filters.query.from && filters.query.to && filters.query.from >= filters.query.to) {
    filters.problems.to = 'The end must be after the start.';
  }
  return filters;
}

function searchOf(values: Filters['values'], before?: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) params.set(name, value);
  if (before) params.set('before', before);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function utc(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

function outcomeOf(entry: ScimRequestEntry): SafeHtml {
  const failed = entry.status >= 400;
  return html`<span class="${failed ? 'state-failed' : 'state-ok'}">${entry.status}${entry.scimType ? html` <code>${entry.scimType}</code>` : ''}</span>`;
}

function resourceOf(entry: ScimRequestEntry): SafeHtml {
  return html`${entry.resourceType}${entry.resourceId ? html` <code>${entry.resourceId}</code>` : ''}`;
}

function choice(
  field: Field,
  label: string,
  options: ReadonlyArray<readonly [string, string]>,
  filters: Filters,
): SafeHtml {
  const problem = filters.problems[field];
  return html`<div class="field"><label for="f-${field}">${label}</label>
<select id="f-${field}" name="${field}"${problem ? html` aria-invalid="true" aria-describedby="f-${field}-error"` : ''}>
<option value="">Any</option>
${options.map(([value, text]) => html`<option value="${value}"${filters.values[field] === value ? html` selected` : ''}>${text}</option>`)}
</select>${problem ? html`<p id="f-${field}-error" class="field-error">${problem}</p>` : ''}</div>`;
}

function timeField(field: 'from' | 'to', label: string, filters: Filters): SafeHtml {
  const problem = filters.problems[field];
  return html`<div class="field"><label for="f-${field}">${label} (UTC)</label>
<input id="f-${field}" name="${field}" type="datetime-local" value="${filters.values[field] ?? ''}"${problem ? html` aria-invalid="true" aria-describedby="f-${field}-error"` : ''}>
${problem ? html`<p id="f-${field}-error" class="field-error">${problem}</p>` : ''}</div>`;
}

function filterForm(filters: Filters): SafeHtml {
  return html`<form method="get" action="${REQUESTS_PATH}" class="filters" aria-label="Filter SCIM requests">
${choice(
  'idp',
  'IdP',
  IDPS.map((idp) => [idp, idp] as const),
  filters,
)}
${choice('outcome', 'Outcome', Object.entries(OUTCOMES), filters)}
${choice(
  'resource',
  'Resource',
  RESOURCES.map((resource) => [resource, resource] as const),
  filters,
)}
${timeField('from', 'From', filters)}
${timeField('to', 'Before', filters)}
<div class="field"><button type="submit">Filter</button> <a href="${REQUESTS_PATH}">Clear</a></div>
</form>`;
}

export function activityTabs(current: 'changes' | 'requests'): SafeHtml {
  return html`<nav aria-label="Activity"><ul class="cards">
<li><a href="/activity"${current === 'changes' ? html` aria-current="page"` : ''}>Changes</a></li>
<li><a href="${REQUESTS_PATH}"${current === 'requests' ? html` aria-current="page"` : ''}>SCIM requests</a></li>
</ul></nav>`;
}

/** A whole body indented for reading; a cut one as it is (it is no longer JSON). */
function readable(body: string, truncated: boolean): string {
  if (truncated) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function detailPage(entry: ScimRequestEntry): SafeHtml {
  return html`<h1>SCIM request</h1>
${activityTabs('requests')}
<dl class="facts">
<dt>When</dt><dd>${utc(entry.at)}</dd>
<dt>IdP</dt><dd>${entry.idp}</dd>
<dt>Operation</dt><dd>${entry.operation} (<code>${entry.method}</code>)</dd>
<dt>Path</dt><dd><code>${entry.path}</code></dd>
<dt>Resource</dt><dd>${resourceOf(entry)}</dd>
<dt>Outcome</dt><dd>${outcomeOf(entry)}</dd>
${entry.detail ? html`<dt>Error</dt><dd>${entry.detail}</dd>` : ''}
<dt>Duration</dt><dd>${entry.ms} ms</dd>
</dl>
<h2>Body</h2>
${
  entry.body === null
    ? html`<p>The request had no body.</p>`
    : html`<p class="hint">Passwords, tokens and secrets are replaced by [redacted] before the bridge sends the record.${entry.bodyTruncated ? ' The body was longer and is cut off.' : ''}</p>
<pre class="body" tabindex="0">${readable(entry.body, entry.bodyTruncated)}</pre>`
}
<p><a href="${REQUESTS_PATH}">All SCIM requests</a></p>`;
}

export function registerRequestLogPages(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, assets, requireAdmin, viewOf } = context;
  const view = async (request: FastifyRequest) => ({ ...(await viewOf(request)), current: '/activity' });

  scope.get(REQUESTS_PATH, { preHandler: requireAdmin }, async (request, reply) => {
    const filters = filtersOf(request);
    const asked = queryValue(request, 'before');
    const before = asked !== undefined && ID_SHAPE.test(asked) ? asked : undefined;
    const refused = Object.keys(filters.problems).length > 0;
    const entries = refused
      ? []
      : await deps.store.listScimRequests({
          ...filters.query,
          limit: PAGE + 1,
          ...(before ? { before } : {}),
        });
    const shown = entries.slice(0, PAGE);
    const next = entries.length > PAGE ? shown[shown.length - 1]!.id : undefined;
    const filtered = Object.keys(filters.values).length > 0;
    return sendPage(
      reply,
      refused ? 400 : 200,
      consolePage(
        assets,
        await view(request),
        'SCIM requests',
        html`<h1>Activity</h1>
${activityTabs('requests')}
<p>Every SCIM request the bridge answered, newest first: which IdP sent it, what it asked,
the outcome and the body with passwords, tokens and secrets removed. The newest
${REQUEST_LOG_KEEP.toLocaleString('en')} requests of the last ${REQUEST_LOG_MAX_AGE_DAYS} days are kept; the bridge
sends them every few seconds.</p>
${filterForm(filters)}
${
  refused
    ? html`<p class="problem" role="alert">Correct the filter to see requests.</p>`
    : shown.length === 0
      ? html`<p>${filtered || before ? 'No request matches.' : 'No SCIM request has been recorded yet.'}</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">When</th><th scope="col">IdP</th><th scope="col">Operation</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">Duration</th><th scope="col"><span class="skip-text">Details</span></th></tr></thead>
<tbody>${shown.map(
          (entry) =>
            html`<tr><td>${utc(entry.at)}</td><td>${entry.idp}</td><td>${entry.operation}</td><td>${resourceOf(entry)}</td><td>${outcomeOf(entry)}</td><td>${entry.ms} ms</td><td><a href="${REQUESTS_PATH}/${entry.id}" aria-label="Details of the ${entry.operation} request at ${entry.at}">Details</a></td></tr>`,
        )}</tbody></table></div>`
}
<p>${before ? html`<a href="${REQUESTS_PATH}${searchOf(filters.values)}">Newest</a> ` : ''}${next ? html`<a href="${REQUESTS_PATH}${searchOf(filters.values, next)}" rel="next">Older</a>` : ''}</p>`,
      ),
    );
  });

  scope.get<{ Params: { id: string } }>(
    `${REQUESTS_PATH}/:id`,
    { preHandler: requireAdmin },
    async (request, reply) => {
      const id = request.params.id;
      const entry = ID_SHAPE.test(id) ? await deps.store.getScimRequest(id) : undefined;
      if (!entry) {
        return sendPage(
          reply,
          404,
          consolePage(
            assets,
            await view(request),
            'SCIM request not found',
            html`<h1>SCIM request not found</h1>
<p class="problem" role="alert">There is no such request in the log; older requests are removed after ${REQUEST_LOG_MAX_AGE_DAYS} days or once ${REQUEST_LOG_KEEP.toLocaleString('en')} newer ones are kept.</p>
<p><a href="${REQUESTS_PATH}">All SCIM requests</a></p>`,
          ),
        );
      }
      return sendPage(
        reply,
        200,
        consolePage(assets, await view(request), 'SCIM request', detailPage(entry)),
      );
    },
  );
}
