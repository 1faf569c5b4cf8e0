/**
 * Who makes a person an administrator, and whom. Being an administrator is membership of the
 * built-in Administrators group, which opens the console (console/admin-sign-in.ts). Only the
 * owner appoints and removes; the command line acts as the owner does, since whoever runs it
 * can open the database anyway. Appointing hands over no keys: the key chain seals group keys
 * for a group's members, not for administrators (DESIGN.md, "the key chain").
 */
import type { AdminActor } from './admin-rules.ts';
import { AccountError, type AccountErrorCode } from './errors.ts';
import { vaultsLostWithLastShare } from './group-rules.ts';
import type { Group, Member } from './model.ts';
import type { StoreOps } from './store.ts';

export type AdministratorRefusal =
  /** Someone other than the owner tried. */
  | 'owner_only'
  /** Not active, sign-up not completed, or deleted in the IdP. */
  | 'not_appointable'
  /** The owner keeps the console through Owners; neither appointed nor removed here. */
  | 'is_owner'
  | 'already_administrator'
  | 'not_administrator'
  /** They hold the last share of Administrators' key, and a vault only that group opens would be lost. */
  | 'last_key_holder';

const CODE: Record<AdministratorRefusal, AccountErrorCode> = {
  owner_only: 'member_protected',
  not_appointable: 'invalid_input',
  is_owner: 'member_protected',
  already_administrator: 'invalid_input',
  not_administrator: 'invalid_input',
  last_key_holder: 'member_protected',
};

/** An AccountError (rendered where they all are) whose `reason` says which rule refused. */
export class AdministratorError extends AccountError {
  readonly reason: AdministratorRefusal;
  constructor(reason: AdministratorRefusal, message: string) {
    super(CODE[reason], message);
    this.name = 'AdministratorError';
    this.reason = reason;
  }
}

export async function assertOwnerActs(ops: StoreOps, actor: AdminActor): Promise<void> {
  if (actor.memberId === null) return;
  const acting = await ops.getMember(actor.memberId);
  if (acting?.role !== 'owner')
    throw new AdministratorError(
      'owner_only',
      'Only the owner of the account makes or removes administrators.',
    );
}

export async function requireAdministratorsGroup(ops: StoreOps): Promise<Group> {
  const group = await ops.findGroupByKind('administrators');
  if (group === undefined)
    throw new AccountError('account_missing', 'the team account has not been set up yet');
  return group;
}

/** The built-in groups whose members use the console. */
const CONSOLE_GROUP_KINDS = ['owners', 'administrators'] as const;

/** Owners and administrators: members of the built-in groups Owners or Administrators. */
export async function isAdministrator(ops: StoreOps, member: Member): Promise<boolean> {
  for (const kind of CONSOLE_GROUP_KINDS) {
    const group = await ops.findGroupByKind(kind);
    if (group && (await ops.filterGroupMembers(group.id, [member.id])).length > 0) return true;
  }
  return false;
}

/** The ids of up to `limit` members of each of Owners and Administrators, each id once. */
export async function listAdministratorIds(ops: StoreOps, limit: number): Promise<string[]> {
  const ids = new Set<string>();
  for (const kind of CONSOLE_GROUP_KINDS) {
    const group = await ops.findGroupByKind(kind);
    if (group === undefined) continue;
    for (const ref of await ops.listGroupMembers(group.id, { limit })) ids.add(ref.id);
  }
  return [...ids];
}

export function mayBeAppointed(member: Member): boolean {
  return member.state === 'active' && member.signedUpAt !== null && !member.scimDeleted;
}

/** Which of `memberIds` are in Administrators: one query for a page of people. */
export async function administratorsAmong(ops: StoreOps, memberIds: readonly string[]): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const group = await requireAdministratorsGroup(ops);
  return new Set(await ops.filterGroupMembers(group.id, memberIds));
}

/** The Administrators group's key lives only in its members' shares (the bridge never holds it). */
export async function assertNoVaultLostWithout(ops: StoreOps, group: Group, member: Member): Promise<void> {
  const held = (await ops.listGroupKeySharesOfMember(member.id)).some((share) => share.groupId === group.id);
  if (!held) return;
  const lost = await vaultsLostWithLastShare(ops, group.id);
  if (lost.length === 0) return;
  throw new AdministratorError(
    'last_key_holder',
    `${member.email} is the last administrator holding the key of Administrators, the only group that can open ` +
      `${lost.map((vault) => `"${vault.name}"`).join(', ')}: removing them would lose it for good. ` +
      'Give the vault to another group first.',
  );
}
