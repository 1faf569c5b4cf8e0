/**
 * IPv4 and IPv6 addresses and CIDR blocks (RFC 4632, RFC 4291 §2.3), as numbers so that a
 * match is two shifts and a compare. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a
 * dual-stack socket reports for an IPv4 client) are treated as the IPv4 address they carry.
 */

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface CidrBlock {
  family: 4 | 6;
  /** The network address: `value` with the host bits cleared. */
  value: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Decimal only, no leading zeros: `010` is octal to some parsers and would mislead.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length > 45 || text.includes('%')) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an address; undefined when it is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) {
    const value = parseIpv6(trimmed);
    if (value === undefined) return undefined;
    if (value >> 32n === 0xffffn && (value & MAPPED_PREFIX) === MAPPED_PREFIX) {
      return { family: 4, value: value & 0xffffffffn };
    }
    return { family: 6, value };
  }
  const value = parseIpv4(trimmed);
  return value === undefined ? undefined : { family: 4, value };
}

export class CidrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CidrError';
  }
}

/**
 * Parses `address/prefix`, or a bare address as a single-address block. Host bits must be
 * zero (`203.0.113.7/24` is refused): a typo there would silently widen or move the rule.
 */
export function parseCidr(text: string): CidrBlock {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const address = parseIpAddress(addressText);
  if (address === undefined || (addressText.includes(':') && address.family === 4 && slash !== -1)) {
    throw new CidrError(
      `"${text}" is not an IPv4 or IPv6 address range (write it like 203.0.113.0/24 or 2001:db8::/32)`,
    );
  }
  const bits = BITS[address.family];
  let prefix: number = bits;
  if (slash !== -1) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      throw new CidrError(`"${text}" has a prefix length outside 0–${bits}`);
    }
    prefix = Number(prefixText);
  }
  const hostBits = BigInt(bits - prefix);
  const network = (address.value >> hostBits) << hostBits;
  if (network !== address.value) {
    throw new CidrError(
      `"${text}" has host bits set; the range starts at ${formatCidr({ family: address.family, value: network, prefix })}`,
    );
  }
  return { family: address.family, value: network, prefix };
}

export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  if (block.family !== address.family) return false;
  const hostBits = BigInt(BITS[block.family] - block.prefix);
  return address.value >> hostBits === block.value >> hostBits;
}

export function formatIpAddress(address: IpAddress): string {
  if (address.family === 4) {
    const v = address.value;
    return [24n, 16n, 8n, 0n].map((shift) => String((v >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((address.value >> shift) & 0xffffn));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first if tied.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Canonical text: the network address in its shortest form and the prefix. */
export function formatCidr(block: CidrBlock): string {
  return `${formatIpAddress({ family: block.family, value: block.value })}/${block.prefix}`;
}
