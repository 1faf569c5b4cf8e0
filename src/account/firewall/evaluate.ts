/**
 * Whether the firewall lets an address reach the account API (P4). The rules, in order:
 *
 *  1. Range rules: the most specific range that contains the address decides (longest
 *     prefix). An allow and a deny of the same length cannot both exist (one rule per range).
 *  2. No range matched, and there are allow rules: the address is blocked, because allow
 *     rules make the firewall an allow-list.
 *  3. The network-list rule is on and the address is in the list: blocked.
 *  4. Otherwise allowed.
 *
 * So an allow rule for the bridge's own address lets a bridge that runs in a cloud network
 * through while the network-list rule keeps blocking the rest of that network.
 */
import type { FirewallRule } from '../model.ts';
import { type CidrBlock, cidrContains, type IpAddress, parseCidr } from './cidr.ts';
import type { ListedNetwork, NetworkList } from './network-list.ts';

export type FirewallDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** What blocked it, in words an admin reads: `deny rule 203.0.113.0/24 (id …)`. */
      reason: string;
      /** The rule that blocked it; undefined when no allow rule matched (rule 2). */
      ruleId: string | undefined;
    };

export interface CompiledFirewall {
  readonly rules: readonly FirewallRule[];
  decide(address: IpAddress): FirewallDecision;
}

export function compileFirewall(rules: readonly FirewallRule[], networkList: NetworkList): CompiledFirewall {
  const ranges: Array<{ rule: FirewallRule; block: CidrBlock }> = [];
  let listedNetworksRule: FirewallRule | undefined;
  for (const rule of rules) {
    if (rule.kind === 'listed_networks') listedNetworksRule = rule;
    else if (rule.cidr !== null) ranges.push({ rule, block: parseCidr(rule.cidr) });
  }
  // Longest prefix first; at equal length deny first, so a stray duplicate can only block.
  ranges.sort(
    (a, b) =>
      b.block.prefix - a.block.prefix ||
      (a.rule.action === 'deny' ? -1 : 1) - (b.rule.action === 'deny' ? -1 : 1),
  );
  const hasAllowRules = ranges.some((range) => range.rule.action === 'allow');

  return {
    rules,
    decide(address) {
      const match = ranges.find((range) => cidrContains(range.block, address));
      if (match) {
        if (match.rule.action === 'allow') return { allowed: true };
        return {
          allowed: false,
          reason: `the firewall rule "deny ${match.rule.cidr}" (id ${match.rule.id})`,
          ruleId: match.rule.id,
        };
      }
      if (hasAllowRules) {
        return {
          allowed: false,
          reason: 'the firewall: it is in no allowed range (allow rules make the firewall an allow-list)',
          ruleId: undefined,
        };
      }
      if (listedNetworksRule) {
        const listed: ListedNetwork | undefined = networkList.find(address);
        if (listed) {
          return {
            allowed: false,
            reason:
              `the firewall rule "deny listed networks" (id ${listedNetworksRule.id}): ` +
              `${listed.cidr} is listed as ${listed.category}${listed.label ? ` (${listed.label})` : ''}`,
            ruleId: listedNetworksRule.id,
          };
        }
      }
      return { allowed: true };
    },
  };
}
