/**
 * The start-up warning for addresses that only this machine can open (issue 13): a server
 * listening beyond loopback whose configured public address is still `localhost` sends
 * members links they cannot open, and tells IdPs a SCIM base URL they cannot reach.
 */
import type { Config } from './config.ts';

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase();
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name);
}

/** One warning per address that points at this machine while the server listens beyond it. */
export function publicAddressWarnings(
  config: Pick<Config, 'host' | 'accountUrl' | 'publicBridgeUrl'>,
  serves: { account: boolean; bridge: boolean },
): string[] {
  if (isLoopbackName(config.host)) return [];
  const warnings: string[] = [];
  if (serves.account && isLoopbackName(new URL(config.accountUrl).hostname)) {
    warnings.push(
      `links in e-mail and pages point at ${config.accountUrl}, which only this machine can open, while the account server listens on ${config.host}: set --account-url (SCIMBRIDGE_ACCOUNT_URL) to the HTTPS address members reach, such as https://accounts.example.com`,
    );
  }
  if (serves.bridge && isLoopbackName(new URL(config.publicBridgeUrl).hostname)) {
    warnings.push(
      `the SCIM base URL is ${config.publicBridgeUrl}/scim/v2, which only this machine can open, while the bridge listens on ${config.host}: set --public-url (SCIMBRIDGE_PUBLIC_URL) to the HTTPS address IdPs reach, such as https://scim.example.com`,
    );
  }
  return warnings;
}
