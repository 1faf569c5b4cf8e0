/**
 * The status page's per-IdP health (issue 14): for each IdP that has called, its last
 * request, its last error answer, its requests of the last day by outcome, and a warning
 * when it has been silent for longer than its usual cycle. Its own module so that other
 * panels can join the page without touching this one.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import type { RequestOutcome } from '../idp-activity.ts';
import type { IdpName } from '../idp-detect.ts';
import type { IdpRequestSummary } from '../request-record.ts';
import type { PartReport } from './health.ts';

export const IDP_LABELS: Record<IdpName, string> = {
  entra: 'Entra ID',
  okta: 'Okta',
  jumpcloud: 'JumpCloud',
  onelogin: 'OneLogin',
  rippling: 'Rippling',
  google: 'Google Workspace',
  other: 'Other client',
};

const OUTCOME_WORDS: Record<RequestOutcome, string> = {
  answered: 'answered',
  unauthorized: 'refused for a wrong token (401)',
  client_error: 'other error answers (4xx)',
  server_error: 'failed in the bridge (5xx)',
};

/** `2 h 5 min`, `40 min`, `3 d 1 h`: how long, in the largest two units. */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

function silenceSentence(idp: IdpRequestSummary, shared = false): string {
  return `${IDP_LABELS[idp.idp]} has sent nothing to ${shared ? 'any bridge sharing this Redis' : 'this bridge'} for ${formatMinutes(idp.activity.silentMinutes)}, longer than its usual cycle of ${formatMinutes(idp.activity.cycleMinutes)}.`;
}

/** The part's verdict when an IdP that used to call has gone quiet (health.ts). */
export function silentPart(silent: IdpRequestSummary[], at: string, shared = false): PartReport {
  return {
    status: 'warning',
    label: 'Silent',
    detail: silent.map((idp) => silenceSentence(idp, shared)).join(' '),
    action: `If people or groups changed in the IdP since, open its provisioning log there: the job may be paused, quarantined or pointed elsewhere. With nothing to send, some IdPs stay quiet${shared ? '' : ', and behind a load balancer a bridge without Redis counts only the requests it answered'}; change the usual cycle with SCIMBRIDGE_IDP_CYCLES.`,
    checkedAt: at,
  };
}

function when(iso: string, format: (iso: string) => string): SafeHtml {
  return html`<time datetime="${iso}">${format(iso)}</time>`;
}

function lastDay(idp: IdpRequestSummary): SafeHtml {
  const counts = (Object.keys(OUTCOME_WORDS) as RequestOutcome[]).filter(
    (outcome) => outcome === 'answered' || idp.activity.lastDay[outcome] > 0,
  );
  return html`${counts.map(
    (outcome, index) =>
      html`${index > 0 ? ' · ' : ''}${idp.activity.lastDay[outcome]} ${OUTCOME_WORDS[outcome]}`,
  )}`;
}

function cycle(idp: IdpRequestSummary): string {
  return idp.activity.cycleMinutes === 0
    ? 'sends changes as they happen (no silence warning)'
    : `about every ${formatMinutes(idp.activity.cycleMinutes)}`;
}

/** One block per IdP, silent ones first, then most recent first; `format` renders a timestamp as the page does; `shared`: counted by every bridge sharing Redis. */
export function idpHealthSection(
  idps: IdpRequestSummary[],
  format: (iso: string) => string,
  shared = false,
): SafeHtml | string {
  if (idps.length === 0) return '';
  // A silent IdP first: it is what the reader came for.
  const ordered = [
    ...idps.filter((idp) => idp.activity.overdue),
    ...idps.filter((idp) => !idp.activity.overdue),
  ];
  return html`${ordered.map((idp) => {
    const name = IDP_LABELS[idp.idp] ?? idp.idp;
    const id = `idp-${idp.idp}`;
    return html`<section class="idp${idp.activity.overdue ? ' silent' : ''}" aria-labelledby="${id}">
<h3 id="${id}">${name}</h3>
${idp.activity.overdue ? html`<p class="silence"><strong>Attention:</strong> ${silenceSentence(idp, shared)}</p>` : ''}
<table><tbody>
<tr><th scope="row">Last request</th><td>${when(idp.at, format)}: <code>${idp.operation}</code> answered ${idp.status} in ${idp.ms} ms</td></tr>
<tr><th scope="row">Last error answer</th><td>${
      idp.lastFailure
        ? html`${idp.lastFailure.status} <code>${idp.lastFailure.operation}</code> at ${when(idp.lastFailure.at, format)}${idp.lastFailure.detail ? html`: ${idp.lastFailure.detail}` : ''}`
        : 'none'
    }</td></tr>
<tr><th scope="row">Last 24 hours</th><td>${lastDay(idp)}</td></tr>
<tr><th scope="row">${shared ? 'Requests (all bridges)' : 'Requests since start'}</th><td>${idp.total}</td></tr>
<tr><th scope="row">Usual cycle</th><td>${cycle(idp)}</td></tr>
</tbody></table>
</section>`;
  })}`;
}

/** The section's own styles, added to the page's stylesheet. */
export const IDP_HEALTH_STYLE = `
section.idp { border-top: 1px solid var(--line); margin-top: .75rem; padding-top: .25rem; }
section.idp h3 { margin: .5rem 0 0; font-size: 1.05rem; }
section.idp th { text-align: left; font-weight: 600; width: 11rem; }
section.idp .silence { color: var(--warn); }
`;
