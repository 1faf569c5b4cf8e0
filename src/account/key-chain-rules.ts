/**
 * Rules of the key chain shared by its use cases (DESIGN.md, "the key chain").
 *
 * Which group keys the bridge may hold — that is, have sealed for the provisioning key:
 * Team Members (every confirmed member gets it) and the groups the IdP manages. Owners,
 * Administrators and Provision Managers are never sealed for the provisioning key: whoever
 * holds the bridge's token must not be able to open the vaults of the account's most
 * privileged groups. Their key pairs come from their first member (the owner's sign-up).
 */
import { isBase64UrlOfLength } from '../crypto/encoding.ts';
import { AccountError } from './errors.ts';
import type { Group } from './model.ts';

export function bridgeMayHoldKey(group: Pick<Group, 'kind' | 'managed'>): boolean {
  return group.kind === 'team_members' || (group.kind === 'custom' && group.managed);
}

/** Most items one key-chain call takes: bounds the work of one request, like SCIM's page size. */
export const MAX_KEY_CHAIN_BATCH = 1000;

/** Sealed values are about 170 characters; anything near this bound is not one. */
const MAX_SEALED_LENGTH = 1024;
const SEALED_SHAPE = /^sbs1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function assertBatch(what: string, items: { length: number }): void {
  if (!Array.isArray(items)) throw new AccountError('invalid_input', `${what} must be a list`);
  if (items.length > MAX_KEY_CHAIN_BATCH) {
    throw new AccountError(
      'invalid_input',
      `at most ${MAX_KEY_CHAIN_BATCH} ${what} per call, not ${items.length}`,
    );
  }
}

export function assertLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_KEY_CHAIN_BATCH) {
    throw new AccountError('invalid_input', `limit must be a whole number from 1 to ${MAX_KEY_CHAIN_BATCH}`);
  }
  return limit;
}

export function assertId(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 200) {
    throw new AccountError('invalid_input', `${what} must be an id`);
  }
  return value;
}

/** A keyset page's optional cursor: absent, or an id. */
export function assertOptionalId(what: string, value: unknown): string | undefined {
  return value === undefined ? undefined : assertId(what, value);
}

export function assertPublicKey(what: string, value: unknown): string {
  if (typeof value !== 'string' || !isBase64UrlOfLength(value, 32)) {
    throw new AccountError('invalid_input', `${what} must be an X25519 public key (base64url, 32 bytes)`);
  }
  return value;
}

/** Checks the shape only: the account cannot (and must not be able to) open it. */
export function assertSealed(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_SEALED_LENGTH || !SEALED_SHAPE.test(value)) {
    throw new AccountError('invalid_input', `${what} must be a sealed key (sbs1 format)`);
  }
  return value;
}
