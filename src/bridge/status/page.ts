/**
 * The status page's HTML (P6): server-rendered with the auto-escaping `html` template, no
 * JavaScript, one heading per part, and every state spelled out in words (a symbol and a
 * colour only repeat what the text says). Colours meet WCAG AA contrast on white.
 */
import { html, raw, type SafeHtml } from '../../web/html.ts';
import { PAGE_STYLE } from '../../web/style.ts';
import type { WatcherStatus } from '../watcher-status.ts';
import type { HealthReport, OverallStatus, PartReport, PartStatus } from './health.ts';
import { IDP_HEALTH_STYLE, idpHealthSection } from './idp-health-section.ts';

/** The account server's one stylesheet (web/style.ts), and the status page's own parts. */
const STYLE = `${PAGE_STYLE}${IDP_HEALTH_STYLE}
body { max-width: 52rem; }
header.top { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding-top: 1rem; }
header.top h1 { margin: 0; }
header.top button { margin-top: 0; }
section.part { border: 1px solid var(--line); border-left-width: .5rem; border-radius: .25rem; padding: .75rem 1rem; margin: 1rem 0; }
section.part h2 { margin: 0 0 .25rem; }
section.part.ok { border-left-color: var(--good); } section.part.warning { border-left-color: var(--warn); } section.part.problem { border-left-color: var(--bad); } section.part.unknown { border-left-color: var(--muted); }
.badge { font-weight: 600; }
.ok .badge, .banner.ok { color: var(--good); } .warning .badge, .banner.degraded { color: var(--warn); } .problem .badge, .banner.failing { color: var(--bad); } .unknown .badge { color: var(--muted); }
.banner { font-size: 1.1rem; font-weight: 600; margin: 1rem 0 0; }
.action { background: var(--panel); padding: .5rem .75rem; border-radius: .25rem; }
.meta { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
table { margin-top: .5rem; font-size: .95rem; }
section.part { overflow-x: auto; }
section.part th, section.part td { padding: .3rem .5rem; }
section.part code { overflow-wrap: normal; }
input[type=password] { max-width: 32rem; }
.error { color: var(--bad); font-weight: 600; }
`;

/** Text first; the symbol repeats it for a quick scan and is hidden from screen readers. */
const PART_WORD: Record<PartStatus, { word: string; symbol: string }> = {
  ok: { word: 'OK', symbol: '✓' },
  warning: { word: 'Attention', symbol: '!' },
  problem: { word: 'Problem', symbol: '✕' },
  unknown: { word: 'Unknown', symbol: '?' },
};

const OVERALL: Record<OverallStatus, string> = {
  ok: 'Everything is OK.',
  degraded: 'Working, but some parts need attention.',
  failing: 'Not working: at least one part has a problem.',
};

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title><style>${raw(STYLE)}</style></head>
<body>${body}</body></html>`.value;
}

export function renderSignIn(options: { error?: string; version: string }): string {
  return layout(
    'Sign in · scimbridge bridge',
    html`<main>
<h1 style="margin-top:2rem">scimbridge bridge</h1>
<p>Sign in with the bridge's <strong>bearer token</strong> (the token your IdP uses) to see the bridge's status and download its logs.
Signing in also unlocks the bridge's credentials and starts the provision watcher if it is waiting.</p>
<form method="post" action="/signin">
<label for="token">Bearer token</label>
<input type="password" id="token" name="token" required autocomplete="off" spellcheck="false" placeholder="sbt_…"
 ${options.error ? html`aria-invalid="true" aria-describedby="token-error"` : ''}>
${options.error ? html`<p id="token-error" class="error" role="alert">${options.error}</p>` : ''}
<p><button type="submit">Sign in</button></p>
</form>
<p class="meta">scimbridge ${options.version}</p>
</main>`,
  );
}

function badge(status: PartStatus, label: string): SafeHtml {
  const { word, symbol } = PART_WORD[status];
  return html`<p class="badge"><span aria-hidden="true">${symbol} </span>${word}: ${label}</p>`;
}

function part(id: string, title: string, report: PartReport, extra: SafeHtml | string = ''): SafeHtml {
  return html`<section class="part ${report.status}" aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>
${badge(report.status, report.label)}
<p>${report.detail}</p>
${report.action ? html`<p class="action"><strong>What to do:</strong> ${report.action}</p>` : ''}
${extra}
<p class="meta">Checked ${when(report.checkedAt)}</p>
</section>`;
}

/** `2026-11-30 09:48:24 UTC`: readable, unambiguous, and the same on every operator's screen. */
export function formatTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

function when(iso: string | null): SafeHtml | string {
  return iso === null ? 'never' : html`<time datetime="${iso}">${formatTime(iso)}</time>`;
}

function watcherDetails(watcher: WatcherStatus | null): SafeHtml | string {
  if (watcher === null) return '';
  return html`<table>
<caption class="meta" style="text-align:left">Watcher runs</caption>
<tbody>
<tr><th scope="row">State</th><td>${watcher.state.replace(/_/g, ' ')}</td></tr>
<tr><th scope="row">Last run</th><td>${when(watcher.lastRunAt)}</td></tr>
<tr><th scope="row">Next run</th><td>${when(watcher.nextRunAt)}</td></tr>
<tr><th scope="row">Runs since start</th><td>${watcher.runsTotal}</td></tr>
<tr><th scope="row">Members confirmed since start</th><td>${watcher.confirmedTotal}</td></tr>
</tbody></table>
${
  watcher.failures.length === 0
    ? ''
    : html`<table>
<caption class="meta" style="text-align:left">Not confirmed in the last run</caption>
<thead><tr><th scope="col">Member</th><th scope="col">Reason</th><th scope="col">When</th></tr></thead>
<tbody>${watcher.failures.map(
        (failure) =>
          html`<tr><td>${failure.email}</td><td>${failure.reason}</td><td>${when(failure.at)}</td></tr>`,
      )}</tbody></table>`
}`;
}

export function renderStatus(
  report: HealthReport,
  /** `csrf`: the page session's form token (src/web/csrf.ts), carried by every form. */
  options: { csrf: string; logLines: number | null; google?: SafeHtml | undefined },
): string {
  const { parts } = report;
  return layout(
    `${report.status === 'ok' ? 'OK' : report.status === 'degraded' ? 'Attention' : 'Problem'} · scimbridge bridge status`,
    html`<header class="top">
<h1>scimbridge bridge status</h1>
<form method="post" action="/signout"><input type="hidden" name="csrf" value="${options.csrf}"><button type="submit" class="secondary">Sign out</button></form>
</header>
<main>
<p class="banner ${report.status}" role="status">${OVERALL[report.status]}</p>
<p class="meta">Checked ${when(report.checkedAt)} · <a href="/">Check again</a></p>
${part('account', 'Account connection', parts.account)}
${part('provisioning', 'Provisioning', parts.provisioning)}
${part(
  'credentials',
  'Credentials',
  parts.credentials,
  html`<p class="meta">Session file: ${parts.credentials.source}${parts.credentials.keyId ? html` · key id <code>${parts.credentials.keyId}</code>` : ''}</p>`,
)}
${part('watcher', 'Provision watcher', parts.watcher, watcherDetails(parts.watcher.watcher))}
${part('requests', 'IdP health', parts.requests, idpHealthSection(parts.requests.idps, formatTime, parts.requests.shared))}
${part('replicas', 'Replicas', parts.replicas)}
${part('version', 'Version', parts.version)}
${options.google ?? ''}
<section aria-labelledby="logs">
<h2 id="logs">Logs</h2>
${
  options.logLines === null
    ? html`<p>This bridge writes its log to standard output only; recent lines are not kept for download.</p>`
    : html`<p>The bridge holds ${options.logLines} recent log line(s) in memory, the newest kept: one JSON object per line, without tokens or session secrets.</p>
<p><a href="/logs" download>Download recent logs (NDJSON)</a></p>`
}
</section>
</main>`,
  );
}
