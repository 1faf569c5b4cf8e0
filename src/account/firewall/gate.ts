/**
 * The firewall in front of the account API: the rules are read from the store at most once
 * a second (a rule added by the CLI in another process applies within that second) and
 * compiled with the network list in use (which may be reloaded meanwhile); decisions are
 * then a few comparisons per request.
 */
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { IpAddress } from './cidr.ts';
import { formatIpAddress, parseIpAddress } from './cidr.ts';
import { type CompiledFirewall, compileFirewall, type FirewallDecision } from './evaluate.ts';
import type { NetworkList } from './network-list.ts';

export const FIREWALL_CACHE_MS = 1000;

export interface FirewallGate {
  /** Throws `firewall_blocked` naming the address and the rule when the firewall says no. */
  check(address: string): Promise<void>;
  decide(address: IpAddress): Promise<FirewallDecision>;
  /** The last refusal of this process (the console's Provisioning page shows it); undefined when none. */
  lastBlocked(): FirewallBlock | undefined;
}

export interface FirewallBlock {
  address: string;
  rule: string;
  at: string;
}

function blocked(address: IpAddress, decision: FirewallDecision & { allowed: false }): AccountError {
  return new AccountError(
    'firewall_blocked',
    `the account refused the bridge's address ${formatIpAddress(address)}: blocked by ${decision.reason}; ` +
      'add an allow rule for this address (scimbridge firewall allow <range>) or remove the rule',
    { address: formatIpAddress(address), rule: decision.reason },
  );
}

export function createFirewallGate(
  deps: AccountDeps,
  /** The network list in use now (`network-list-file.ts` swaps it when the file changes). */
  networkList: () => NetworkList,
  cacheMs: number = FIREWALL_CACHE_MS,
): FirewallGate {
  let cached: { firewall: CompiledFirewall; list: NetworkList; until: number } | undefined;
  let last: FirewallBlock | undefined;
  const refuse = (address: IpAddress, decision: FirewallDecision & { allowed: false }): AccountError => {
    last = { address: formatIpAddress(address), rule: decision.reason, at: deps.clock.now().toISOString() };
    return blocked(address, decision);
  };
  let loading: Promise<CompiledFirewall> | undefined;
  // One bridge talks from one address: remember the last few decisions per compiled rule set.
  let decisions = new Map<bigint, FirewallDecision>();
  // The same few addresses ask again and again: skip parsing them each time.
  let byText = new Map<
    string,
    { firewall: CompiledFirewall; decision: FirewallDecision; address: IpAddress }
  >();

  async function current(): Promise<CompiledFirewall> {
    const now = deps.clock.now().getTime();
    if (cached !== undefined && now < cached.until) return cached.firewall;
    loading ??= deps.store
      .listFirewallRules()
      .then((rules) => {
        const list = networkList();
        const firewall = compileFirewall(rules, list);
        if (
          cached?.list !== list ||
          cached.firewall.rules.length !== rules.length ||
          JSON.stringify(cached.firewall.rules) !== JSON.stringify(rules)
        ) {
          decisions = new Map();
        }
        cached = { firewall, list, until: deps.clock.now().getTime() + cacheMs };
        return firewall;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  const gate: FirewallGate = {
    async decide(address) {
      const firewall = await current();
      const key = (BigInt(address.family) << 128n) | address.value;
      let decision = decisions.get(key);
      if (decision === undefined) {
        decision = firewall.decide(address);
        if (decisions.size >= 1024) decisions = new Map();
        decisions.set(key, decision);
      }
      return decision;
    },
    async check(addressText) {
      const firewall = await current();
      const known = byText.get(addressText);
      if (known !== undefined && known.firewall === firewall) {
        if (known.decision.allowed) return;
        throw refuse(known.address, known.decision);
      }
      const address = parseIpAddress(addressText);
      if (address === undefined) {
        throw new AccountError(
          'firewall_blocked',
          `the firewall cannot read the client address "${addressText}"`,
        );
      }
      const decision = await gate.decide(address);
      if (byText.size >= 1024) byText = new Map();
      byText.set(addressText, { firewall, decision, address });
      if (!decision.allowed) throw refuse(address, decision);
    },
    lastBlocked: () => last,
  };
  return gate;
}
