/**
 * The bridge's `AccountClient` for the one-process mode: every call goes straight to a use
 * case over the same Store. The account's HTTP API implements the same interface for a
 * bridge that runs apart.
 */

import { changeGroupMembers } from './change-group-members.ts';
import { createProvisioningGate, INTEGRATION_CACHE_MS } from './check-provisioning.ts';
import type { AccountClient } from './client.ts';
import { confirmMember, listPendingConfirmations } from './confirm-member.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { deleteGroup } from './delete-group.ts';
import { deleteMember } from './delete-member.ts';
import type { AccountDeps } from './deps.ts';
import { getGroup } from './get-group.ts';
import { getMember } from './get-member.ts';
import { addGroupKeys, getGroupKeys, listProvisioningGroupKeys, resealGroupKeys } from './group-keys.ts';
import { addKeyShares, findMissingKeyShares } from './key-shares.ts';
import { listGroupMembers } from './list-group-members.ts';
import { listGroups } from './list-groups.ts';
import { listMembers } from './list-members.ts';
import { createStoreMonitoringTokenCheck } from './monitoring-tokens.ts';
import { recordScimRequests } from './record-scim-requests.ts';
import { setMemberActive } from './set-member-active.ts';
import { updateGroup } from './update-group.ts';
import { updateMember } from './update-member.ts';

export interface InProcessAccountClient extends AccountClient {
  /** Forget the cached integration (see `check-provisioning.ts`); `integrationChanged(store)` does it for every client. */
  forgetIntegration(): void;
}

export function createInProcessAccountClient(
  deps: AccountDeps,
  options: {
    integrationCacheMs?: number;
    /** Where members sign in: the link of the "account ready" e-mail. */
    accountUrl?: string;
  } = {},
): InProcessAccountClient {
  const accountUrl = options.accountUrl ?? deps.accountUrl ?? 'http://localhost:8080';
  const gate = createProvisioningGate(deps, options.integrationCacheMs ?? INTEGRATION_CACHE_MS);
  // The same store check the one-process bridge uses, without its cache: the asking bridge
  // caches valid answers itself, and two caches in a row would lengthen how long a revoked
  // token keeps working.
  const monitoring = createStoreMonitoringTokenCheck(deps, { cacheMs: 0 });
  return {
    checkProvisioning: (keyId) => gate.check(keyId),
    provisioningKnown: (keyId) => gate.known(keyId),
    forgetIntegration: () => gate.forget(),

    createMember: (input) => createMember(deps, input),
    getMember: (id) => getMember(deps, id),
    listMembers: (query) => listMembers(deps, query),
    updateMember: (id, input, expectedVersion) => updateMember(deps, id, input, expectedVersion),
    setMemberActive: (id, active, expectedVersion) => setMemberActive(deps, id, active, expectedVersion),
    deleteMember: (id) => deleteMember(deps, id),
    groupsOfMembers: (memberIds, options) => deps.store.listGroupsOfMembers(memberIds, options),

    createGroup: (input, memberIds) => createGroup(deps, input, memberIds),
    getGroup: (id) => getGroup(deps, id),
    listGroups: (query) => listGroups(deps, query),
    updateGroup: (id, input, expectedVersion) => updateGroup(deps, id, input, expectedVersion),
    changeGroupMembers: (id, change, expectedVersion, attributes) =>
      changeGroupMembers(deps, id, change, expectedVersion, attributes),
    listGroupMembers: (id, page) => listGroupMembers(deps, id, page),
    deleteGroup: (id) => deleteGroup(deps, id),

    getGroupKeys: (groupIds) => getGroupKeys(deps, groupIds),
    addGroupKeys: (keys) => addGroupKeys(deps, keys),
    listProvisioningGroupKeys: (page) => listProvisioningGroupKeys(deps, page),
    resealGroupKeys: (keys) => resealGroupKeys(deps, keys),
    findMissingKeyShares: (query) => findMissingKeyShares(deps, query),
    addKeyShares: (shares) => addKeyShares(deps, shares),
    listPendingConfirmations: (page) => listPendingConfirmations(deps, page),
    confirmMember: (input) => confirmMember(deps, input, { accountUrl }),
    signUpCounter: () => deps.store.readCounter('sign_ups'),
    checkMonitoringToken: (token) => monitoring.isMonitoringToken(token),
    recordScimRequests: (records) => recordScimRequests(deps, records),
  };
}
