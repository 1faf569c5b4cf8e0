/**
 * Builds a `StoreOps` whose every method goes through one `call` hook, so that a store can
 * decide per call where it runs (inside the caller's transaction, after a lock, …) without
 * repeating that decision in thirty methods.
 */
import type { StoreOps } from '../account/store.ts';

/** Every StoreOps method; the Record type makes the compiler flag a missing one. */
const METHODS: Record<keyof StoreOps, true> = {
  getAccount: true,
  saveAccount: true,
  insertMember: true,
  updateMember: true,
  getMember: true,
  findMemberByEmail: true,
  findMemberByUserName: true,
  findMemberByExternalId: true,
  listMembers: true,
  listMembersAsStored: true,
  listPeople: true,
  countMembersByState: true,
  deleteMember: true,
  insertGroup: true,
  updateGroup: true,
  deleteGroup: true,
  getGroup: true,
  findGroupByDisplayName: true,
  findGroupByKind: true,
  listGroups: true,
  addGroupMembers: true,
  removeGroupMembers: true,
  removeAllGroupMembers: true,
  filterGroupMembers: true,
  listGroupMembers: true,
  countGroupMembers: true,
  countGroupKeyShares: true,
  listGroupsOfMembers: true,
  existingMemberIds: true,
  saveMemberKeys: true,
  getMemberKeys: true,
  getMemberPublicKeys: true,
  getGroupKeys: true,
  insertGroupKey: true,
  listProvisioningGroupKeys: true,
  replaceProvisioningSeal: true,
  addGroupKeyShares: true,
  listGroupKeySharesOfMember: true,
  listPendingMembers: true,
  listKeyedGroupsOfMembers: true,
  findMissingKeyShares: true,
  readCounter: true,
  insertVault: true,
  getVault: true,
  findVaultByName: true,
  listVaults: true,
  saveVaultGrant: true,
  listVaultGrants: true,
  listVaultGrantsOfGroups: true,
  listVaultsOnlyGrantedTo: true,
  insertInvitation: true,
  findInvitationByTokenHash: true,
  listInvitations: true,
  revokeOpenInvitations: true,
  markInvitationUsed: true,
  saveMemberCredential: true,
  getMemberCredential: true,
  insertMemberSession: true,
  getMemberSession: true,
  deleteMemberSession: true,
  extendMemberSession: true,
  deleteSessionsOfMember: true,
  deleteExpiredMemberSessions: true,
  transferMemberSignup: true,
  ensureAccountSecret: true,
  getIntegration: true,
  saveIntegration: true,
  insertApiChallenge: true,
  takeApiChallenge: true,
  insertApiSession: true,
  getApiSession: true,
  deleteApiSessions: true,
  purgeExpiredApiAuth: true,
  listFirewallRules: true,
  insertFirewallRule: true,
  deleteFirewallRule: true,
  appendActivity: true,
  listActivity: true,
  enqueueMail: true,
  getMail: true,
  listMail: true,
  updateMail: true,
  countMailByState: true,
  insertMonitoringToken: true,
  findMonitoringToken: true,
  listMonitoringTokens: true,
  deleteMonitoringToken: true,
  listNotificationRecipients: true,
  setNotificationRecipients: true,
  getBridgeHealth: true,
  saveBridgeHealth: true,
  claimDueMail: true,
  finishMail: true,
  dropQueuedMail: true,
  insertEmailChangeToken: true,
  getEmailChangeToken: true,
  latestEmailChangeToken: true,
  useEmailChangeToken: true,
};

export const STORE_OPS_METHODS = Object.keys(METHODS) as Array<keyof StoreOps>;

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** `choose` picks the implementation for each call (e.g. a transaction's ops or the pool's). */
export function routedOps(
  choose: () => StoreOps,
  around?: (run: () => Promise<unknown>) => Promise<unknown>,
): StoreOps {
  const routed: Record<string, AnyMethod> = {};
  for (const name of STORE_OPS_METHODS) {
    routed[name] = around
      ? (...args) => around(() => (choose()[name] as AnyMethod)(...args))
      : (...args) => (choose()[name] as AnyMethod)(...args);
  }
  return routed as unknown as StoreOps;
}
