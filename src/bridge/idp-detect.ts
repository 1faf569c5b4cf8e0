/**
 * Names the IdP behind a request, for logs and the status page's "last request per IdP".
 * Only request headers are used; an unknown client is 'other'.
 */
export type IdpName = 'entra' | 'okta' | 'onelogin' | 'jumpcloud' | 'rippling' | 'google' | 'other';

export function detectIdp(headers: Record<string, string | string[] | undefined>): IdpName {
  // Entra sends an ADSCIMVersion header with every provisioning request.
  if (headers.adscimversion !== undefined) return 'entra';
  const agent = String(headers['user-agent'] ?? '').toLowerCase();
  if (agent.startsWith('okta')) return 'okta';
  if (agent.includes('microsoft') || agent.includes('azure')) return 'entra';
  // JumpCloud, OneLogin and Rippling do not document their User-Agent (research §12): a
  // product name in it is the one signal; without it they show as 'other'.
  if (agent.includes('onelogin')) return 'onelogin';
  if (agent.includes('jumpcloud')) return 'jumpcloud';
  if (agent.includes('rippling')) return 'rippling';
  if (agent.includes('google')) return 'google';
  return 'other';
}
