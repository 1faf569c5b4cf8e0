/**
 * The network list behind the firewall's "cloud providers and anonymising networks" rule
 * (P4). A plain text file that the operator keeps up to date (docs/configuration.md,
 * "Network list"):
 *
 *   # comment
 *   <CIDR> <category> [label …]
 *
 * `category` is one word such as `cloud` or `anonymiser`; the label is free text naming the
 * network. Both are shown when the rule blocks an address, so the admin can tell why.
 */
import { type CidrBlock, CidrError, cidrContains, type IpAddress, parseCidr } from './cidr.ts';

export interface ListedNetwork {
  block: CidrBlock;
  cidr: string;
  category: string;
  label: string;
}

export interface NetworkList {
  /** Where it came from, for messages. */
  source: string;
  networks: readonly ListedNetwork[];
  find(address: IpAddress): ListedNetwork | undefined;
}

export class NetworkListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkListError';
  }
}

const MAX_ENTRIES = 200_000;

export function parseNetworkList(text: string, source: string): NetworkList {
  const networks: ListedNetwork[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const [cidr, category, ...label] = line.split(/\s+/);
    if (category === undefined || !/^[a-z][a-z0-9_-]{0,31}$/.test(category)) {
      throw new NetworkListError(
        `${source} line ${i + 1}: expected "<CIDR> <category> [label]" with a lower-case one-word category`,
      );
    }
    let block: CidrBlock;
    try {
      block = parseCidr(cidr!);
    } catch (error) {
      if (error instanceof CidrError) throw new NetworkListError(`${source} line ${i + 1}: ${error.message}`);
      throw error;
    }
    networks.push({ block, cidr: cidr!, category, label: label.join(' ') });
    if (networks.length > MAX_ENTRIES) {
      throw new NetworkListError(`${source}: more than ${MAX_ENTRIES} entries`);
    }
  }
  // Longest prefix first, so the most specific network names the match.
  networks.sort((a, b) => b.block.prefix - a.block.prefix);
  return {
    source,
    networks,
    find: (address) => networks.find((network) => cidrContains(network.block, address)),
  };
}

export const EMPTY_NETWORK_LIST: NetworkList = parseNetworkList('', 'no network list');
