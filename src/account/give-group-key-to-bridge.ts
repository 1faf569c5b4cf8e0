/**
 * An administrator gives the bridge a managed group's key again: for a group whose seal for
 * the provisioning key is gone (taken off the managed list and put back, which withdrew it) or
 * was made for a key the bridge no longer has. Like granting a vault, it needs the key itself,
 * which only a holder opens: the administrator's side opens their share of the group key with
 * their password and seals it for the integration's provisioning key; the account stores the
 * sealed value and never sees the key (DESIGN.md, "the key chain").
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { isAdministrator } from './administrator-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { findGroup } from './group-rules.ts';
import { assertPublicKey, assertSealed, bridgeMayHoldKey } from './key-chain-rules.ts';
import type { Group, GroupKey, Integration } from './model.ts';
import type { StoreOps } from './store.ts';

/** What the administrator's side opens and seals with: all of it sealed or public. */
export interface BridgeKeyHandover {
  group: Group;
  groupPublicKey: string;
  /** The integration's: what the group key is sealed for. */
  provisioningPublicKey: string;
  administrator: { memberId: string; publicKey: string; encryptedPrivateKey: string };
  /** The administrator's share of the group key, sealed for them. */
  sealedShare: string;
}

async function requireIntegration(ops: StoreOps): Promise<Integration> {
  const integration = await ops.getIntegration();
  if (integration === undefined || integration.state === 'inactive') {
    throw new AccountError(
      'provisioning_disabled',
      'provisioning is turned off, so there is no bridge to give the key to; turn it on first (page Provisioning, or `scimbridge provisioning setup`)',
    );
  }
  return integration;
}

async function requireBridgeGroup(ops: StoreOps, ref: string): Promise<{ group: Group; key: GroupKey }> {
  const group = await findGroup(ops, ref);
  if (group === undefined) {
    throw new AccountError('group_not_found', `no group is known by "${ref.trim().slice(0, 400)}"`);
  }
  if (!bridgeMayHoldKey(group)) {
    throw new AccountError(
      'group_protected',
      `${group.displayName} is not managed by provisioning: the bridge holds only the keys of Team Members and managed groups (put it on the managed-groups list first: \`scimbridge group managed <group> on\`)`,
    );
  }
  const [key] = await ops.getGroupKeys([group.id]);
  if (key === undefined) {
    throw new AccountError(
      'invalid_input',
      `${group.displayName} has no key pair yet: the bridge makes one itself when it next needs it`,
    );
  }
  return { group, key };
}

/** Reads what `administrator` (an e-mail address) needs to seal `groupRef`'s key for the bridge. */
export async function prepareGroupKeyForBridge(
  deps: AccountDeps,
  input: { group: string; administrator: string },
): Promise<BridgeKeyHandover> {
  const { store } = deps;
  const integration = await requireIntegration(store);
  const { group, key } = await requireBridgeGroup(store, input.group);
  const email = input.administrator.trim().slice(0, 400);
  const admin = await store.findMemberByEmail(email);
  // An administrator is a member of Owners or Administrators (the console's rule), or has the role.
  const administers =
    admin !== undefined &&
    (admin.role === 'owner' || admin.role === 'admin' || (await isAdministrator(store, admin)));
  if (admin === undefined || admin.state !== 'active' || !administers) {
    throw new AccountError('invalid_input', `${email} is not an active administrator of this account`);
  }
  const [keys, shares] = await Promise.all([
    store.getMemberKeys(admin.id),
    store.listGroupKeySharesOfMember(admin.id),
  ]);
  const share = shares.find((candidate) => candidate.groupId === group.id);
  if (keys === undefined || share === undefined || share.groupPublicKey !== key.publicKey) {
    throw new AccountError(
      'invalid_input',
      `${email} does not hold the key of ${group.displayName}: an administrator who is a member of the group and holds its key must give it`,
    );
  }
  return {
    group,
    groupPublicKey: key.publicKey,
    provisioningPublicKey: integration.provisioningPublicKey,
    administrator: {
      memberId: admin.id,
      publicKey: keys.publicKey,
      encryptedPrivateKey: keys.encryptedPrivateKey,
    },
    sealedShare: share.sealedPrivateKey,
  };
}

/** Stores the group key sealed for the provisioning key; refused when anything it was sealed against changed since. */
export function giveGroupKeyToBridge(
  deps: AccountDeps,
  actor: AdminActor,
  input: {
    groupId: string;
    groupPublicKey: string;
    provisioningPublicKey: string;
    sealedForProvisioning: string;
  },
): Promise<Group> {
  const groupPublicKey = assertPublicKey('groupPublicKey', input.groupPublicKey);
  const provisioningPublicKey = assertPublicKey('provisioningPublicKey', input.provisioningPublicKey);
  const sealed = assertSealed('sealedForProvisioning', input.sealedForProvisioning);
  return deps.store.transaction(async (tx) => {
    const integration = await requireIntegration(tx);
    const { group } = await requireBridgeGroup(tx, input.groupId);
    if (integration.provisioningPublicKey !== provisioningPublicKey) {
      throw new AccountError(
        'invalid_input',
        'the provisioning credentials were regenerated meanwhile, so the key was sealed for the old ones; give it again',
      );
    }
    if (!(await tx.giveProvisioningSeal(group.id, groupPublicKey, sealed))) {
      throw new AccountError(
        'invalid_input',
        `the key pair of ${group.displayName} changed meanwhile; give it again`,
      );
    }
    await recordAdminActivity(
      deps,
      tx,
      nowIso(deps),
      actor,
      'group_keys.given_to_bridge',
      { targetType: 'group', targetId: group.id },
      { displayName: group.displayName },
    );
    return group;
  });
}
