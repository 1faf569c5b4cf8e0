/** The console's overview at `/`: the state of the account at a glance. */
import type { AccountDeps } from '../deps.ts';
import type { MemberAssets } from '../signup/assets.ts';
import { html } from './html.ts';
import { type ConsoleView, consolePage } from './pages.ts';

export async function overviewPage(
  deps: AccountDeps,
  assets: MemberAssets,
  view: ConsoleView,
  bridgeUrl: string,
): Promise<string> {
  const { store } = deps;
  const [integration, members, groups] = await Promise.all([
    store.getIntegration(),
    store.listMembers({ startIndex: 1, count: 0 }),
    store.listGroups({ startIndex: 1, count: 0 }),
  ]);
  const provisioning = integration?.state === 'active' ? 'on' : 'off';
  return consolePage(
    assets,
    view,
    'Overview',
    html`<h1>Overview</h1>
<ul class="cards">
<li><span class="count">${members.total}</span> members</li>
<li><span class="count">${groups.total}</span> groups</li>
<li><span class="count">${provisioning}</span> provisioning</li>
</ul>
<dl class="facts">
<dt>SCIM base URL for your IdP</dt><dd><code>${bridgeUrl}/scim/v2</code></dd>
</dl>`,
  );
}
