/** Each IdP's usual provisioning cycle, and the setting that changes it (SCIMBRIDGE_IDP_CYCLES). */
import type { IdpName } from './idp-detect.ts';

/**
 * Minutes between an IdP's provisioning cycles; 0: it pushes changes as they happen, so
 * silence means nothing changed (research/idp-behaviour.md §9 "Timeouts / cadence").
 * Entra ID runs an incremental cycle about every 40 minutes (not configurable there);
 * Okta, JumpCloud and OneLogin push on change; Rippling's cadence is not documented.
 */
export const DEFAULT_IDP_CYCLES: Readonly<Record<IdpName, number>> = {
  entra: 40,
  okta: 0,
  jumpcloud: 0,
  onelogin: 0,
  rippling: 0,
  google: 0,
  other: 0,
};

export const IDP_NAMES: readonly IdpName[] = Object.keys(DEFAULT_IDP_CYCLES) as IdpName[];

/**
 * `entra=40,okta=1440`: minutes per IdP, 0 for none; names as the status page and metrics
 * label them. Throws a message naming the bad part.
 */
export function parseIdpCycles(text: string): Partial<Record<IdpName, number>> {
  const cycles: Partial<Record<IdpName, number>> = {};
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')) {
    const match = /^([a-z]+)\s*=\s*(\d{1,6})$/.exec(part);
    const idp = match?.[1] as IdpName | undefined;
    if (match === null || idp === undefined || !IDP_NAMES.includes(idp)) {
      throw new Error(`"${part}" is not <idp>=<minutes> with an idp of ${IDP_NAMES.join(', ')}`);
    }
    const minutes = Number(match[2]);
    if (minutes > 10080) throw new Error(`"${part}": at most 10080 minutes (a week)`);
    cycles[idp] = minutes;
  }
  return cycles;
}
