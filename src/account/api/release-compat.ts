/**
 * Which releases of bridge and account server work together over the account API (issue 13):
 * the same major version and at most one minor version apart, so that a rolling upgrade can
 * run either side of the previous minor release against the new one. Each request carries
 * the bridge's release and each answer the account's, in `Scimbridge-Version`; a peer outside
 * that range is refused with a message naming both releases instead of being half understood.
 * A peer that sends no header predates this check (0.1.x) and is taken as such.
 */
export const RELEASE_HEADER = 'scimbridge-version';

const RELEASE = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})(?:[-+][0-9A-Za-z.+-]{1,64})?$/;

/** Undefined when the text is not a release number. */
function parseRelease(text: string): { major: number; minor: number } | undefined {
  const match = RELEASE.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** True when releases `a` and `b` may talk: same major, minors at most one apart. */
export function releasesCompatible(a: string, b: string): boolean {
  const left = parseRelease(a);
  const right = parseRelease(b);
  if (!left || !right) return false;
  return left.major === right.major && Math.abs(left.minor - right.minor) <= 1;
}

/** The one line both sides show; it says which side to upgrade. */
export function releaseMismatchMessage(account: string, bridge: string): string {
  const older =
    parseRelease(bridge) && parseRelease(account) && compare(bridge, account) < 0
      ? 'bridge'
      : 'account server';
  const shownBridge = parseRelease(bridge)
    ? bridge
    : `"${bridge.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}"`;
  return `this account server runs scimbridge ${account} and the bridge ${shownBridge}: they work together only within one minor release; upgrade the ${older}`;
}

function compare(a: string, b: string): number {
  const left = parseRelease(a)!;
  const right = parseRelease(b)!;
  return left.major - right.major || left.minor - right.minor;
}
