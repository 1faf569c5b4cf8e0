/**
 * Group key pairs as the bridge stores and reads them (DESIGN.md, "the key chain"). The
 * bridge makes a group's key pair — when the IdP creates the group, or the first time it
 * needs the key of a group that has none (Team Members, groups made before the key chain) —
 * and hands over the public key and the private key sealed for the provisioning key.
 */
import { recordActivity } from './activity.ts';
import type { GroupKeyInfo, NewGroupKey } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import {
  assertBatch,
  assertId,
  assertLimit,
  assertOptionalId,
  assertPublicKey,
  assertSealed,
  bridgeMayHoldKey,
} from './key-chain-rules.ts';
import type { GroupKey } from './model.ts';

const info = (key: GroupKey): GroupKeyInfo => ({
  groupId: key.groupId,
  publicKey: key.publicKey,
  sealedForProvisioning: key.sealedForProvisioning,
});

export async function getGroupKeys(deps: AccountDeps, groupIds: readonly string[]): Promise<GroupKeyInfo[]> {
  assertBatch('group ids', groupIds);
  const ids = [...new Set(groupIds.map((id) => assertId('a group id', id)))];
  return (await deps.store.getGroupKeys(ids)).map(info);
}

/** The batch a bridge sends to add or reseal group keys, checked before any store work. */
function checkGroupKeys(keys: readonly NewGroupKey[]): NewGroupKey[] {
  assertBatch('group keys', keys);
  return keys.map((key) => ({
    groupId: assertId('groupId', key?.groupId),
    publicKey: assertPublicKey('publicKey', key?.publicKey),
    sealedForProvisioning: assertSealed('sealedForProvisioning', key?.sealedForProvisioning),
  }));
}

export function addGroupKeys(deps: AccountDeps, keys: readonly NewGroupKey[]): Promise<GroupKeyInfo[]> {
  const checked = checkGroupKeys(keys);
  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    for (const key of checked) {
      const group = await tx.getGroup(key.groupId);
      if (group === undefined) throw new AccountError('group_not_found', `no group with id ${key.groupId}`);
      if (!bridgeMayHoldKey(group)) {
        throw new AccountError(
          'group_protected',
          `${group.displayName}: only Team Members and managed groups may have their key held by the bridge`,
        );
      }
      // The first key pair stored wins: two bridges racing keep one, and both read it back.
      await tx.insertGroupKey({ ...key, createdAt: now });
    }
    return (await tx.getGroupKeys([...new Set(checked.map((key) => key.groupId))])).map(info);
  });
}

export async function listProvisioningGroupKeys(
  deps: AccountDeps,
  page: { afterGroupId?: string; limit: number },
): Promise<GroupKeyInfo[]> {
  const limit = assertLimit(page.limit);
  const afterGroupId = assertOptionalId('afterGroupId', page.afterGroupId);
  return (
    await deps.store.listProvisioningGroupKeys({ limit, ...(afterGroupId ? { afterGroupId } : {}) })
  ).map(info);
}

/** Groups the bridge may not hold (set aside by a re-created integration, P20, or not managed) keep their seal and are not counted. */
export function resealGroupKeys(deps: AccountDeps, keys: readonly NewGroupKey[]): Promise<number> {
  const checked = checkGroupKeys(keys);
  return deps.store.transaction(async (tx) => {
    let replaced = 0;
    for (const key of checked) {
      if (await tx.replaceProvisioningSeal(key.groupId, key.publicKey, key.sealedForProvisioning)) replaced++;
    }
    if (replaced > 0) {
      await recordActivity(
        deps,
        tx,
        nowIso(deps),
        'group_keys.resealed',
        { targetType: 'integration', targetId: 'provisioning' },
        { groups: replaced },
      );
    }
    return replaced;
  });
}
