/**
 * The console's Overview at `/`: the account at a glance, and what needs attention, each
 * item linking to the page (or command) that fixes it.
 */

import { html, type SafeHtml } from '../../web/html.ts';
import { countPeople } from '../count-people.ts';
import type { AccountDeps } from '../deps.ts';
import { MEMBER_STATES } from '../list-people.ts';
import type { BridgeHealthRecord, MemberState } from '../model.ts';
import type { MemberAssets } from '../signup/assets.ts';
import { type ConsoleView, consolePage } from './pages.ts';

/** What the console shows of the provision watcher of a bridge in the same process. */
export interface LocalWatcherStatus {
  state: string;
  lastRunAt: string | null;
  nextRunAt: string | null;
  lastRunError: string | null;
}

export interface OverviewSources {
  bridgeUrl: string;
  /** Bridges the health monitor checks (P7); empty when monitoring is off. */
  monitoredBridges: readonly string[];
  /** The watcher of the bridge in this process, once it runs; undefined when the bridge runs apart. */
  localWatcher?: (() => LocalWatcherStatus | undefined) | undefined;
}

function utc(iso: string | null): SafeHtml | string {
  return iso === null
    ? 'never'
    : html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 16)} UTC</time>`;
}

const STATE_LABEL: Record<MemberState, string> = {
  invited: 'invited',
  pending: 'waiting to be confirmed',
  active: 'active',
  suspended: 'suspended',
};

const WATCHER_STATE: Record<string, string> = {
  waiting_for_token: "waiting for the bridge's token (it comes with the IdP's first request)",
  idle: 'idle',
  running: 'running now',
  standby: 'standing by (another bridge runs it)',
  stopped: 'stopped',
};

interface Attention {
  text: SafeHtml | string;
}

function bridgeRow(url: string, record: BridgeHealthRecord | undefined): SafeHtml {
  const state = record?.state ?? 'unknown';
  return html`<tr><td><a href="${url}/">${url}</a></td><td>${state === 'online' ? 'online' : state === 'offline' ? 'offline' : 'not checked yet'}${record?.reportedStatus ? html` (reports ${record.reportedStatus})` : ''}</td>
<td>${utc(record?.lastOkAt ?? null)}</td><td>${utc(record?.lastCheckAt ?? null)}</td></tr>`;
}

export async function overviewPage(
  deps: AccountDeps,
  assets: MemberAssets,
  view: ConsoleView,
  sources: OverviewSources,
): Promise<string> {
  const { store } = deps;
  const [integration, people, groups, mail, health] = await Promise.all([
    store.getIntegration(),
    countPeople(deps),
    store.listGroups({ startIndex: 1, count: 0 }),
    store.countMailByState(),
    Promise.all(sources.monitoredBridges.map((url) => store.getBridgeHealth(url))),
  ]);
  const on = integration?.state === 'active';
  const watcher = sources.localWatcher?.();

  const attention: Attention[] = [];
  if (!on) {
    attention.push({
      text: html`Provisioning is off: your IdP cannot send people. <a href="/provisioning">Turn it on in Provisioning</a>.`,
    });
  }
  const pending = people.byState.pending;
  if (pending > 0) {
    attention.push({
      text: html`<a href="/people?state=pending">${pending} signed-up ${pending === 1 ? 'person is' : 'people are'} waiting to be confirmed</a>.
The bridge confirms them on its next run while provisioning is on${on ? '' : html` (<a href="/provisioning">turn it on</a>)`}; see the <a href="${sources.bridgeUrl}/">bridge's status page</a> for members it could not confirm.`,
    });
  }
  sources.monitoredBridges.forEach((url, index) => {
    if (health[index]?.state === 'offline') {
      attention.push({
        text: html`The bridge at <a href="${url}/">${url}</a> is offline since ${utc(health[index]?.changedAt ?? null)}${health[index]?.lastError ? html`: ${health[index]?.lastError}` : ''}. Its status page says what is wrong.`,
      });
    }
  });
  if (mail.failed > 0) {
    attention.push({
      text: html`${mail.failed} e-mail${mail.failed === 1 ? '' : 's'} could not be sent. <a href="/outbox?state=failed">The Outbox</a> says why; fix the mail server settings (SCIMBRIDGE_SMTP_URL) and restart.`,
    });
  }

  return consolePage(
    assets,
    view,
    'Overview',
    html`<h1>Overview</h1>
<h2 id="attention-heading">Needs attention</h2>
${
  attention.length === 0
    ? html`<p class="all-clear">Nothing needs your attention.</p>`
    : html`<ul class="attention" aria-labelledby="attention-heading">${attention.map((item) => html`<li>${item.text}</li>`)}</ul>`
}
<h2>The account</h2>
<ul class="cards">
<li><a href="/people"><span class="count">${people.total}</span> ${people.total === 1 ? 'person' : 'people'}</a></li>
${MEMBER_STATES.map(
  (state) =>
    html`<li><a href="/people?state=${state}"><span class="count">${people.byState[state]}</span> ${STATE_LABEL[state]}</a></li>`,
)}
<li><span class="count">${groups.total}</span> ${groups.total === 1 ? 'group' : 'groups'}</li>
<li><span class="count">${on ? 'on' : 'off'}</span> provisioning</li>
<li><span class="count">${mail.queued}</span> ${mail.queued === 1 ? 'e-mail' : 'e-mails'} queued</li>
</ul>
<h2>Bridges</h2>
<dl class="facts">
<dt>SCIM base URL for your IdP</dt><dd><code>${sources.bridgeUrl}/scim/v2</code></dd>
${
  watcher
    ? html`<dt>Provision watcher</dt><dd>${WATCHER_STATE[watcher.state] ?? watcher.state}; last run ${utc(watcher.lastRunAt)}${watcher.lastRunError ? html` (failed: ${watcher.lastRunError})` : ''}; next run ${watcher.nextRunAt === null ? 'not scheduled' : utc(watcher.nextRunAt)}</dd>`
    : ''
}
</dl>
${
  sources.monitoredBridges.length === 0
    ? html`<p>Health monitoring is off, so the account does not check its bridges; each bridge's own status page shows its state (<a href="${sources.bridgeUrl}/">${sources.bridgeUrl}/</a>). Turn monitoring on with <code>--monitor</code> (SCIMBRIDGE_MONITOR).</p>`
    : html`<div class="table-wrap"><table>
<caption class="hint">Checked by the health monitor</caption>
<thead><tr><th scope="col">Bridge</th><th scope="col">Health</th><th scope="col">Last good contact</th><th scope="col">Last check</th></tr></thead>
<tbody>${sources.monitoredBridges.map((url, index) => bridgeRow(url, health[index]))}</tbody>
</table></div>`
}`,
  );
}
