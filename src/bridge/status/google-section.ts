/**
 * The Google Workspace part of the status page (P21): the settings and their forms, the
 * preview with counts first and names under them, the run under way, the last run, and the
 * mass-suspension guard's stop. Everything from Google is escaped by the `html` tag.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import type { PlannedGroup, PlannedMember } from '../google/plan.ts';
import type { GoogleSyncStatus } from '../google/sync.ts';
import { formatTime } from './page.ts';

const STATE_WORDS: Record<GoogleSyncStatus['state'], string> = {
  not_configured: 'Not set up',
  off: 'Off',
  awaiting_approval: 'Paused: the synced groups changed; confirm a new preview',
  on: 'On',
};

/** Names shown per list on the page; the CLI's --json has them all. */
const NAMES_SHOWN = 50;

function names(title: string, people: readonly PlannedMember[]): SafeHtml | string {
  if (people.length === 0) return '';
  const shown = people.slice(0, NAMES_SHOWN);
  return html`<details><summary>${title}: ${people.length}</summary><ul>${shown.map(
    (person) =>
      html`<li>${person.email}${person.name ? html` (${person.name})` : ''}${person.reason ? html` — ${person.reason}` : ''}</li>`,
  )}</ul>${people.length > shown.length ? html`<p class="meta">and ${people.length - shown.length} more (scimbridge google preview --json lists all)</p>` : ''}</details>`;
}

function groupNames(title: string, groups: readonly PlannedGroup[]): SafeHtml | string {
  if (groups.length === 0) return '';
  return html`<details><summary>${title}: ${groups.length}</summary><ul>${groups.map(
    (group) =>
      html`<li>${group.name}: ${group.added} added, ${group.removed} removed${group.renamed ? ', renamed' : ''}</li>`,
  )}</ul></details>`;
}

/** `csrf` is the page session's form token (src/web/csrf.ts): every form carries it. */
export function renderGoogleSection(status: GoogleSyncStatus, csrf: string, message?: string): SafeHtml {
  const { settings, lastRun, running, lastPreview } = status;
  const token = html`<input type="hidden" name="csrf" value="${csrf}">`;
  const tone =
    status.guardStopped || lastRun?.outcome === 'failed'
      ? 'problem'
      : status.state === 'on'
        ? 'ok'
        : 'unknown';
  return html`<section class="part ${tone}" aria-labelledby="google">
<h2 id="google">Google Workspace sync</h2>
<p class="badge">${STATE_WORDS[status.state]}</p>
${message ? html`<p class="action" role="status">${message}</p>` : ''}
${status.guardStopped ? html`<p class="error" role="alert">The last run stopped without changing anything: ${lastRun?.message ?? ''}</p>` : ''}
<p class="meta">Key: ${status.keySource ?? 'none (set SCIMBRIDGE_GOOGLE_KEY_FILE)'} · every ${status.intervalMinutes} min · stops above ${status.suspendLimitPercent} % suspensions</p>
${
  running
    ? html`<p role="status">Running since ${formatTime(running.startedAt)}: ${running.phase}, ${running.usersRead} Google users read, ${running.done} of ${running.total} changes made.</p>`
    : ''
}
${
  lastRun
    ? html`<p>Last run ${formatTime(lastRun.finishedAt)}: ${lastRun.outcome.replace(/_/g, ' ')}${
        lastRun.applied
          ? html` — ${lastRun.applied.invite} invited, ${lastRun.applied.match} matched, ${lastRun.applied.update + lastRun.applied.emailChange} updated, ${lastRun.applied.suspend} suspended, ${lastRun.applied.reactivate} reactivated, ${lastRun.applied.groupsCreate + lastRun.applied.groupsChange} groups made or changed`
          : ''
      }${lastRun.outcome === 'failed' && lastRun.message ? html`: ${lastRun.message}` : ''}</p>`
    : html`<p>No run yet.</p>`
}
<form method="post" action="/google/settings">${token}
<label for="google-admin">Administrator the service account acts as</label>
<input id="google-admin" name="admin" type="email" value="${settings.admin ?? ''}" required>
<label for="google-groups">Google groups whose members are provisioned (one address a line)</label>
<textarea id="google-groups" name="groups" rows="3" cols="50" required>${settings.groups.join('\n')}</textarea>
<p><button type="submit">Save</button></p>
</form>
<form method="post" action="/google/preview">${token}<button type="submit" class="secondary">Preview</button></form>
${
  lastPreview
    ? html`<h3>Preview of ${formatTime(lastPreview.at)}</h3>
<table><tbody>
<tr><th scope="row">Invited</th><td>${lastPreview.counts.invite}</td></tr>
<tr><th scope="row">Matched by e-mail</th><td>${lastPreview.counts.match}</td></tr>
<tr><th scope="row">Updated (names or address)</th><td>${lastPreview.counts.update + lastPreview.counts.emailChange}</td></tr>
<tr><th scope="row">Suspended</th><td>${lastPreview.counts.suspend}</td></tr>
<tr><th scope="row">Reactivated</th><td>${lastPreview.counts.reactivate}</td></tr>
<tr><th scope="row">Groups made or changed</th><td>${lastPreview.counts.groupsCreate + lastPreview.counts.groupsChange}</td></tr>
</tbody></table>
${names('Invited', lastPreview.plan.invite)}${names('Matched', lastPreview.plan.match)}${names('Updated', [...lastPreview.plan.update, ...lastPreview.plan.emailChange])}
${names('Suspended', lastPreview.plan.suspend)}${names('Reactivated', lastPreview.plan.reactivate)}
${groupNames('Groups made', lastPreview.plan.groupsCreate)}${groupNames('Groups changed', lastPreview.plan.groupsChange)}
<form method="post" action="/google/approve">${token}
<label for="google-confirm">To turn the sync on for these groups, type the number of members it suspends (${lastPreview.counts.suspend})</label>
<input id="google-confirm" name="confirm" inputmode="numeric" required>
<p><button type="submit">Turn the sync on</button></p>
</form>`
    : ''
}
${
  status.state === 'on'
    ? html`<form method="post" action="/google/run">${token}<button type="submit" class="secondary">Sync now</button></form>
<form method="post" action="/google/off">${token}<button type="submit" class="secondary">Turn the sync off</button></form>`
    : ''
}
</section>`;
}
