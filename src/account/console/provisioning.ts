/**
 * The console's Provisioning page (P1–P4, P7, P13, P20): turn provisioning on and off, generate
 * and regenerate the credentials, re-create the integration and transfer the managed groups
 * of the previous one, the allowed sign-up domains, the account API's firewall rules and the
 * status-only monitoring tokens (each shown once, like the credentials).
 *
 * Credentials are shown once, on the answer to the form that made them: the token in a
 * read-only field with a copy button, the session file as a download. The account keeps
 * neither (setup-provisioning.ts), so the download posts the file back from the page and the
 * server returns it as an attachment; a reload of the page shows nothing (no-store). In the
 * one-process shape the session file is also written where the bridge in this process reads
 * it, which picks it up without a restart, as with `scimbridge provisioning setup`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serializeSessionFile, validateSessionFile } from '../../crypto/credentials/session-file.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { deactivateProvisioning } from '../deactivate-provisioning.ts';
import { signupSettings } from '../deps.ts';
import { AccountError } from '../errors.ts';
import { addFirewallRule, removeFirewallRule } from '../firewall/manage-rules.ts';
import {
  getMonitoringSwitch,
  type MonitoringSwitch,
  setMonitoringSwitch,
} from '../monitor/monitoring-switch.ts';
import { listNotificationRecipients, setNotificationRecipients } from '../monitor/notification-recipients.ts';
import { createMonitoringToken, revokeMonitoringToken } from '../monitoring-tokens.ts';
import { parseDomainList, setAllowedDomains } from '../set-allowed-domains.ts';
import { setupProvisioning } from '../setup-provisioning.ts';
import { sendPage } from '../signup/pages.ts';
import type { PreviousIntegrationGroup } from '../store.ts';
import { listPreviousIntegrationGroups, transferManagedGroups } from '../transfer-managed-groups.ts';
import { GROUPS_PATH } from './groups.ts';
import { type ConsoleView, consolePage, csrfField } from './pages.ts';
import type { ConsoleContext } from './routes.ts';

export const PROVISIONING_PATH = '/provisioning';

/** Most a session file posted back for download may be (they are about 1 KB). */
const SESSION_FILE_LIMIT = 8 * 1024;

function formValue(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : '';
}

/** Written next to its final name and renamed, 0600, so a bridge never reads half a file. */
async function writeSessionFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

interface PageState {
  /** The domains field as typed, and what is wrong with it, after a refused save. */
  domains?: { text: string; problem: string };
  /** The firewall form as typed, and what is wrong with it. */
  firewall?: { cidr: string; action: string; note: string; problem: string };
  /** The monitoring token form's label, and what is wrong with it. */
  monitoring?: { label: string; problem: string };
  /** The recipients field as typed, and what is wrong with it. */
  recipients?: { text: string; problem: string };
  /** A monitoring token just made: shown this once. */
  newMonitoringToken?: string;
  notice?: string;
  /** An action refused as a whole (nothing changed), said at the top of the page. */
  problem?: string;
}

async function provisioningPage(
  context: ConsoleContext,
  view: ConsoleView,
  state: PageState = {},
): Promise<string> {
  const { store } = context.deps;
  const [integration, account, rules, tokens, recipients, monitorSwitch, previousGroups] = await Promise.all([
    store.getIntegration(),
    store.getAccount(),
    store.listFirewallRules(),
    store.listMonitoringTokens(),
    listNotificationRecipients(context.deps),
    getMonitoringSwitch(context.deps),
    listPreviousIntegrationGroups(context.deps),
  ]);
  const recipientsText = state.recipients?.text ?? recipients.join(', ');
  const fw = state.firewall;
  const lastBlock = context.lastFirewallBlock();
  const on = integration?.state === 'active';
  const domainsText = state.domains?.text ?? account?.allowedDomains.join(', ') ?? '';
  return consolePage(
    context.assets,
    view,
    'Provisioning',
    html`<h1>Provisioning</h1>
${state.notice ? html`<p class="done" role="status">${state.notice}</p>` : ''}
${state.problem ? html`<p class="problem" role="alert">${state.problem}</p>` : ''}
<section aria-labelledby="state-heading">
<h2 id="state-heading">Provisioning is ${on ? 'on' : 'off'}</h2>
<dl class="facts">
<dt>SCIM base URL for your IdP</dt><dd><code>${context.bridgeUrl}/scim/v2</code></dd>
${integration ? html`<dt>Key id</dt><dd><code>${integration.keyId}</code></dd><dt>Credentials made</dt><dd><time datetime="${integration.updatedAt}">${utc(integration.updatedAt)}</time></dd>` : ''}
</dl>
${
  on
    ? html`<p>The IdP sends its requests with the bearer token; the bridge holds the session file. Regenerating makes a new pair:
the old token and session file stop working at once, so put the new token into your IdP right away.
The managed groups stay with this integration (P20).</p>
<form method="post" action="${PROVISIONING_PATH}/credentials">${csrfField(view.csrfToken)}
<button type="submit">Regenerate credentials</button></form>
<form method="post" action="${PROVISIONING_PATH}/deactivate">${csrfField(view.csrfToken)}
<p class="hint">Turning provisioning off refuses every IdP request until you turn it on again, which makes new credentials.</p>
<button type="submit" class="danger">Turn provisioning off</button></form>`
    : html`<p>Turning provisioning on makes its credentials: a bearer token for your IdP and a session file for the bridge.
They are shown once.</p>
<form method="post" action="${PROVISIONING_PATH}/credentials">${csrfField(view.csrfToken)}
<button type="submit">Turn provisioning on</button></form>`
}
</section>
${integration ? moveSection(view, previousGroups) : ''}
<section aria-labelledby="domains-heading">
<h2 id="domains-heading">Allowed sign-up domains</h2>
<form method="post" action="${PROVISIONING_PATH}/domains">${csrfField(view.csrfToken)}
<label for="domains">Domains</label>
<input id="domains" name="domains" type="text" value="${domainsText}" aria-describedby="domains-hint${state.domains ? ' domains-error' : ''}"${state.domains ? html` aria-invalid="true"` : ''}>
${state.domains ? html`<p id="domains-error" class="field-error">${state.domains.problem}</p>` : ''}
<p id="domains-hint" class="hint">Separated by commas, e.g. example.com, example.org. Members' addresses must use one of them; empty allows any domain.</p>
<button type="submit">Save domains</button>
</form>
</section>
<section aria-labelledby="firewall-heading">
<h2 id="firewall-heading">Firewall (P4)</h2>
<p>Which addresses may reach the account API (bridges that run apart). The most specific range wins; once there is an allow rule, only allowed ranges get in.</p>
${lastBlock ? html`<p class="problem" id="last-block">Last refused: <code>${lastBlock.address}</code> at ${utc(lastBlock.at)}, by ${lastBlock.rule}.</p>` : html`<p id="last-block">No bridge has been refused since this server started.</p>`}
${
  rules.length === 0
    ? html`<p>No rules: every address may try.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">Rule</th><th scope="col">Note</th><th scope="col">Added</th><th scope="col"><span class="skip-text">Remove</span></th></tr></thead>
<tbody>${rules.map(
        (rule) =>
          html`<tr><td>${rule.kind === 'range' ? `${rule.action} ${rule.cidr}` : 'deny listed networks'}</td><td>${rule.note ?? ''}</td><td>${utc(rule.createdAt)}</td>
<td><form method="post" action="${PROVISIONING_PATH}/firewall/${rule.id}/remove">${csrfField(view.csrfToken)}<button type="submit" class="secondary" aria-label="Remove the rule ${rule.kind === 'range' ? `${rule.action} ${rule.cidr}` : 'deny listed networks'}">Remove</button></form></td></tr>`,
      )}</tbody></table></div>`
}
<form method="post" action="${PROVISIONING_PATH}/firewall">${csrfField(view.csrfToken)}
<label for="fw-cidr">Address or range</label>
<input id="fw-cidr" name="cidr" type="text" value="${fw?.cidr ?? ''}" placeholder="203.0.113.0/24" aria-describedby="fw-hint${fw ? ' fw-error' : ''}"${fw ? html` aria-invalid="true"` : ''}>
${fw ? html`<p id="fw-error" class="field-error">${fw.problem}</p>` : ''}
<p id="fw-hint" class="hint">An IPv4 or IPv6 address or CIDR range.</p>
<label for="fw-action">Action</label>
<select id="fw-action" name="action"><option value="allow"${fw?.action === 'deny' ? '' : html` selected`}>allow</option><option value="deny"${fw?.action === 'deny' ? html` selected` : ''}>deny</option></select>
<label for="fw-note">Note (optional)</label>
<input id="fw-note" name="note" type="text" maxlength="200" value="${fw?.note ?? ''}">
<button type="submit">Add rule</button>
</form>
${
  rules.some((rule) => rule.kind === 'listed_networks')
    ? ''
    : html`<form method="post" action="${PROVISIONING_PATH}/firewall/listed-networks">${csrfField(view.csrfToken)}
<button type="submit" class="secondary">Deny listed networks (cloud and anonymising networks)</button></form>`
}
</section>
<section aria-labelledby="monitoring-heading">
<h2 id="monitoring-heading">Monitoring tokens (P7)</h2>
<p>A monitoring token reads the bridge's <code>/health</code> and both servers' <code>/metrics</code>, nothing else.</p>
${
  state.newMonitoringToken
    ? html`<div class="problem" role="alert"><p><strong>Shown only this once.</strong> Put it into your monitoring now; nobody keeps a copy.</p>
<label for="monitoring-token">New monitoring token</label>
<input id="monitoring-token" type="text" readonly value="${state.newMonitoringToken}" autocomplete="off" spellcheck="false">
<button type="button" class="secondary" data-copy="monitoring-token" hidden>Copy the token</button>
<p id="copy-status" role="status" aria-live="polite" hidden></p></div>`
    : ''
}
${
  tokens.length === 0
    ? html`<p>No monitoring tokens.</p>`
    : html`<ul>${tokens.map(
        (token) =>
          html`<li>${token.label} (made ${utc(token.createdAt)}) <form method="post" action="${PROVISIONING_PATH}/monitoring-tokens/${token.id}/revoke" class="inline-form">${csrfField(view.csrfToken)}<button type="submit" class="secondary" aria-label="Revoke the monitoring token ${token.label}">Revoke</button></form></li>`,
      )}</ul>`
}
<form method="post" action="${PROVISIONING_PATH}/monitoring-tokens">${csrfField(view.csrfToken)}
<label for="mt-label">Label</label>
<input id="mt-label" name="label" type="text" maxlength="100" value="${state.monitoring?.label ?? ''}" placeholder="prometheus"${state.monitoring ? html` aria-invalid="true" aria-describedby="mt-error"` : ''}>
${state.monitoring ? html`<p id="mt-error" class="field-error">${state.monitoring.problem}</p>` : ''}
<button type="submit">Make a monitoring token</button>
</form>
${monitorSection(context, view, monitorSwitch)}
<h3 id="recipients-heading">Who hears when a bridge goes offline</h3>
<form method="post" action="${PROVISIONING_PATH}/recipients" aria-labelledby="recipients-heading">${csrfField(view.csrfToken)}
<label for="recipients">Notification recipients</label>
<input id="recipients" name="recipients" type="text" value="${recipientsText}" aria-describedby="recipients-hint${state.recipients ? ' recipients-error' : ''}"${state.recipients ? html` aria-invalid="true"` : ''}>
${state.recipients ? html`<p id="recipients-error" class="field-error">${state.recipients.problem}</p>` : ''}
<p id="recipients-hint" class="hint">E-mail addresses separated by commas; empty means the account's owners.</p>
<button type="submit">Save recipients</button>
</form>
</section>`,
  );
}

/** Moving an integration (P20): re-create it for a new IdP app, and transfer the groups the previous one managed. */
function moveSection(view: ConsoleView, waiting: readonly PreviousIntegrationGroup[]): SafeHtml {
  const count = waiting.length;
  const groups = `${count} group${count === 1 ? '' : 's'}`;
  return html`<section aria-labelledby="move-heading">
<h2 id="move-heading">Moving to a new IdP app (P20)</h2>
<p>Connecting a new or upgraded app in your IdP? Re-create the integration: it makes new credentials, and the old token and
session file stop working at once. The groups this integration manages are set aside: the new app does not see them, and a
group of the same name that it pushes is refused, until you transfer them below. Regenerating credentials (above) keeps them.</p>
<form method="post" action="${PROVISIONING_PATH}/recreate">${csrfField(view.csrfToken)}
<button type="submit" class="secondary">Re-create the integration</button></form>
<h3 id="previous-heading">Managed groups of a previous integration</h3>
${
  count === 0
    ? html`<p id="previous-groups">None are waiting for a transfer.</p>`
    : html`<p id="previous-groups">Transferred, they are managed by this integration: your IdP's next push finds each one by its name and
takes it over with its members and vault access, instead of making a second group. Until then your IdP does not see them.</p>
<div class="table-wrap"><table aria-labelledby="previous-heading"><thead><tr><th scope="col">Group</th><th scope="col">Members</th><th scope="col">Set aside</th></tr></thead>
<tbody>${waiting.map(
        ({ group, memberCount }) =>
          html`<tr><td><a href="${GROUPS_PATH}/${group.id}">${group.displayName}</a></td><td>${String(memberCount)}</td><td><time datetime="${group.updatedAt}">${utc(group.updatedAt)}</time></td></tr>`,
      )}</tbody></table></div>
<form method="post" action="${PROVISIONING_PATH}/transfer-groups">${csrfField(view.csrfToken)}
<button type="submit">Transfer ${groups}</button></form>`
}
</section>`;
}

function utc(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

function credentialsPage(
  context: ConsoleContext,
  view: ConsoleView,
  made: {
    token: string;
    sessionText: string;
    keyId: string;
    written: string | undefined;
    recreated: boolean;
  },
): string {
  const body: SafeHtml = html`<h1>New credentials</h1>
<p class="problem" role="alert"><strong>Shown only this once.</strong> Nobody keeps a copy: not the account, not this page.
Put the token into your IdP and the session file where your bridge reads it now. Keep both secret: together they act as the integration.</p>
<label for="token">Bearer token (for your IdP)</label>
<input id="token" type="text" readonly value="${made.token}" autocomplete="off" spellcheck="false">
<button type="button" class="secondary" data-copy="token" hidden>Copy the token</button>
<p id="copy-status" role="status" aria-live="polite" hidden></p>
<h2>Session file (for the bridge)</h2>
${made.written ? html`<p>The bridge in this process reads it from <code>${made.written}</code>, already written there: it uses the new credentials without a restart.</p>` : ''}
<form method="post" action="${PROVISIONING_PATH}/session-file">${csrfField(view.csrfToken)}
<input type="hidden" name="sessionFile" value="${made.sessionText}">
<button type="submit" class="secondary">Download the session file</button>
</form>
<p>Key id <code>${made.keyId}</code>. Any earlier token and session file no longer work.</p>
${made.recreated ? html`<p>This is a new integration. The groups the previous one managed wait on the Provisioning page until you transfer them.</p>` : ''}
<p><a href="${PROVISIONING_PATH}">Back to Provisioning</a></p>`;
  return consolePage(context.assets, view, 'New credentials', body);
}

export function registerProvisioningPage(scope: FastifyInstance, context: ConsoleContext): void {
  const { deps, requireAdmin, requireFormToken, viewOf, actorOf } = context;
  const form = { preHandler: [requireAdmin, requireFormToken] };

  scope.get(PROVISIONING_PATH, { preHandler: requireAdmin }, async (request, reply) =>
    sendPage(reply, 200, await provisioningPage(context, await viewOf(request))),
  );

  const makeCredentials = async (request: FastifyRequest, reply: FastifyReply, newIntegration: boolean) => {
    const made = await setupProvisioning(deps, {
      accountUrl: signupSettings(deps).accountUrl,
      actor: 'admin',
      newIntegration,
    });
    const sessionText = serializeSessionFile(made.sessionFile);
    if (context.localSessionPath !== undefined) await writeSessionFile(context.localSessionPath, sessionText);
    request.log.info(
      {
        memberId: request.admin!.member.id,
        keyId: made.integration.keyId,
        outcome: newIntegration ? 'integration_recreated' : 'credentials_made',
      },
      newIntegration
        ? 'integration re-created in the console'
        : 'provisioning credentials made in the console',
    );
    return sendPage(
      reply,
      200,
      credentialsPage(context, await viewOf(request), {
        token: made.token,
        sessionText,
        keyId: made.integration.keyId,
        written: context.localSessionPath,
        recreated: newIntegration,
      }),
    );
  };
  scope.post(`${PROVISIONING_PATH}/credentials`, form, (request, reply) =>
    makeCredentials(request, reply, false),
  );
  scope.post(`${PROVISIONING_PATH}/recreate`, form, (request, reply) =>
    makeCredentials(request, reply, true),
  );

  scope.post(`${PROVISIONING_PATH}/session-file`, form, async (request, reply) => {
    const text = formValue(request, 'sessionFile');
    let parsed: unknown;
    try {
      parsed = text.length <= SESSION_FILE_LIMIT ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!validateSessionFile(parsed).ok)
      throw new AccountError('invalid_input', 'that is not a session file');
    return reply
      .header('content-type', 'application/json')
      .header('content-disposition', 'attachment; filename="scimsession"')
      .header('cache-control', 'no-store')
      .send(text);
  });

  scope.post(`${PROVISIONING_PATH}/deactivate`, form, async (request, reply) => {
    await deactivateProvisioning(deps, { actor: 'admin' });
    return sendPage(
      reply,
      200,
      await provisioningPage(context, await viewOf(request), {
        notice: "Provisioning is off. The IdP's requests are refused until you turn it on again.",
      }),
    );
  });

  const render = async (request: FastifyRequest, reply: FastifyReply, status: number, state: PageState) =>
    sendPage(reply, status, await provisioningPage(context, await viewOf(request), state));

  scope.post(`${PROVISIONING_PATH}/transfer-groups`, form, async (request, reply) => {
    try {
      const { groups } = await transferManagedGroups(deps, actorOf(request));
      const names = groups.map((group) => group.displayName).join(', ');
      return render(request, reply, 200, {
        notice: `Transferred ${groups.length} group${groups.length === 1 ? '' : 's'} to this integration: ${names}. Your IdP finds them by name on its next push.`,
      });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      // Nothing waiting (a second click) or never set up: said, nothing changed.
      return render(request, reply, 409, { problem: error.message });
    }
  });

  scope.post(`${PROVISIONING_PATH}/firewall`, form, async (request, reply) => {
    const cidr = formValue(request, 'cidr');
    const action = formValue(request, 'action') === 'deny' ? 'deny' : 'allow';
    const note = formValue(request, 'note');
    try {
      await addFirewallRule(deps, { kind: 'range', action, cidr, note });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return render(request, reply, 400, { firewall: { cidr, action, note, problem: error.message } });
    }
    return render(request, reply, 200, { notice: `Firewall rule added: ${action} ${cidr.trim()}.` });
  });

  scope.post(`${PROVISIONING_PATH}/firewall/listed-networks`, form, async (request, reply) => {
    await addFirewallRule(deps, { kind: 'listed_networks' });
    return render(request, reply, 200, { notice: 'Listed networks are denied.' });
  });

  scope.post<{ Params: { id: string } }>(
    `${PROVISIONING_PATH}/firewall/:id/remove`,
    form,
    async (request, reply) => {
      const removed = await removeFirewallRule(deps, request.params.id);
      return render(request, reply, 200, {
        notice: removed ? 'Firewall rule removed.' : 'That rule was removed already.',
      });
    },
  );

  scope.post(`${PROVISIONING_PATH}/monitoring-tokens`, form, async (request, reply) => {
    const label = formValue(request, 'label');
    try {
      const { token } = await createMonitoringToken(deps, label);
      return render(request, reply, 200, { newMonitoringToken: token });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return render(request, reply, 400, { monitoring: { label, problem: error.message } });
    }
  });

  scope.post<{ Params: { id: string } }>(
    `${PROVISIONING_PATH}/monitoring-tokens/:id/revoke`,
    form,
    async (request, reply) => {
      const revoked = await revokeMonitoringToken(deps, request.params.id);
      return render(request, reply, 200, {
        notice: revoked
          ? 'Monitoring token revoked: it stops working within 30 seconds.'
          : 'That token was revoked already.',
      });
    },
  );

  scope.post(`${PROVISIONING_PATH}/monitoring-switch`, form, async (request, reply) => {
    const wanted = formValue(request, 'enabled');
    if (wanted !== 'on' && wanted !== 'off') {
      return render(request, reply, 400, { notice: 'Choose whether the health monitor is on or off.' });
    }
    await setMonitoringSwitch(deps, wanted === 'on');
    return render(request, reply, 200, {
      notice:
        wanted === 'on'
          ? 'Health monitoring is on: the next round checks the bridges.'
          : 'Health monitoring is off: no checks and no notices until it is on again.',
    });
  });

  scope.post(`${PROVISIONING_PATH}/recipients`, form, async (request, reply) => {
    const text = formValue(request, 'recipients');
    const emails = text.split(/[\s,;]+/).filter((entry) => entry !== '');
    try {
      const saved = await setNotificationRecipients(deps, emails);
      return render(request, reply, 200, {
        notice:
          saved.length === 0 ? "Notices go to the account's owners." : `Notices go to ${saved.join(', ')}.`,
      });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return render(request, reply, 400, { recipients: { text, problem: error.message } });
    }
  });

  scope.post(`${PROVISIONING_PATH}/domains`, form, async (request, reply) => {
    const text = formValue(request, 'domains');
    let domains: string[];
    try {
      domains = parseDomainList(text);
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      // Shown beside the field; nothing was saved.
      return sendPage(
        reply,
        400,
        await provisioningPage(context, await viewOf(request), { domains: { text, problem: error.message } }),
      );
    }
    await setAllowedDomains(deps, domains);
    return sendPage(
      reply,
      200,
      await provisioningPage(context, await viewOf(request), {
        notice:
          domains.length === 0
            ? 'Any domain is allowed now.'
            : `Allowed sign-up domains: ${domains.join(', ')}.`,
      }),
    );
  });
}

/** The monitor's switch: which bridges it would watch, and whether it does. */
function monitorSection(context: ConsoleContext, view: ConsoleView, sw: MonitoringSwitch): SafeHtml {
  const bridges = context.monitoredBridges;
  const watching =
    bridges.length === 0
      ? html`<p>This server runs no health monitor (start it with <code>--monitor</code>, SCIMBRIDGE_MONITOR; SCIMBRIDGE_MONITOR_BRIDGES lists the bridges), so nothing is checked whatever this switch says.</p>`
      : html`<p>${sw.enabled ? 'It watches' : 'When on, it would watch'}:</p><ul>${bridges.map((url) => html`<li><code>${url}</code></li>`)}</ul>`;
  return html`<h3 id="monitor-heading">Health monitoring is ${sw.enabled ? 'on' : 'off'}</h3>
${watching}
${sw.changedAt ? html`<p class="hint">Switched ${sw.enabled ? 'on' : 'off'} <time datetime="${sw.changedAt}">${utc(sw.changedAt)}</time>.</p>` : ''}
<form method="post" action="${PROVISIONING_PATH}/monitoring-switch" aria-labelledby="monitor-heading">${csrfField(view.csrfToken)}
<input type="hidden" name="enabled" value="${sw.enabled ? 'off' : 'on'}">
<p class="hint">${sw.enabled ? 'Off: no checks and no e-mails about bridges until it is turned on again.' : 'On: the next round checks the bridges and e-mails the recipients below when one goes offline.'}</p>
<button type="submit"${sw.enabled ? html` class="secondary"` : ''}>${sw.enabled ? 'Turn health monitoring off' : 'Turn health monitoring on'}</button>
</form>`;
}
