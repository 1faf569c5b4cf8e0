/**
 * First start: the account, its built-in groups (P19) and its owner. Safe to run on every
 * start: whatever already exists is kept, whatever is missing is created.
 *
 * An account has one owner, made at the first start from SCIMBRIDGE_OWNER_EMAIL. When a later
 * start names someone else, the setting is ignored (`ownerEmailIgnored`, which the caller
 * logs): making a second owner from a changed setting would hand the account to whoever can
 * edit the environment, and the address alone cannot tell a typo from a takeover.
 */
import type { ActivityAction } from './activity-actions.ts';
import { BUILT_IN_GROUPS } from './built-in-groups.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import type { Account, ActivityEntry, Group, Member } from './model.ts';
import type { StoreOps } from './store.ts';

export interface EnsureAccountResult {
  account: Account;
  owner: Member;
  /** True when this call created the account (the first start). */
  created: boolean;
  /** True when the account already has an owner with another address than `ownerEmail`. */
  ownerEmailIgnored: boolean;
}

export function ensureAccount(
  deps: AccountDeps,
  settings: { name: string; ownerEmail: string },
): Promise<EnsureAccountResult> {
  return deps.store.transaction(async (tx) => {
    // Several servers starting together on an empty database: one makes the account, the others find it.
    await tx.lockAccountSetup();
    const now = nowIso(deps);
    let account = await tx.getAccount();
    const created = account === undefined;
    if (account === undefined) {
      account = { id: deps.ids(), name: settings.name, allowedDomains: [], createdAt: now };
      await tx.saveAccount(account);
      await recordSystemActivity(deps, tx, now, 'account.created', 'account', account.id, {
        name: account.name,
      });
    }

    const groups = new Map<Group['kind'], Group>();
    for (const builtIn of BUILT_IN_GROUPS) {
      let group = await tx.findGroupByKind(builtIn.kind);
      if (group === undefined) {
        group = {
          id: deps.ids(),
          displayName: builtIn.displayName,
          externalId: null,
          kind: builtIn.kind,
          // Built-ins are the account's own; the IdP neither sees nor changes them.
          managed: false,
          createdAt: now,
          updatedAt: now,
          version: 1,
        };
        await tx.insertGroup(group);
        await recordSystemActivity(deps, tx, now, 'group.created', 'group', group.id, {
          displayName: group.displayName,
        });
      }
      groups.set(builtIn.kind, group);
    }

    const owners = groups.get('owners')!;
    let owner = await existingOwner(tx, owners.id);
    const ownerEmailIgnored =
      owner !== undefined && owner.email.toLowerCase() !== settings.ownerEmail.toLowerCase();
    owner ??= await tx.findMemberByEmail(settings.ownerEmail);
    if (owner === undefined) {
      owner = {
        id: deps.ids(),
        userName: settings.ownerEmail,
        email: settings.ownerEmail,
        externalId: null,
        displayName: null,
        givenName: null,
        familyName: null,
        state: 'invited',
        role: 'owner',
        managed: false,
        scimDeleted: false,
        profile: {},
        pendingEmail: null,
        signedUpAt: null,
        confirmedAt: null,
        suspendedAt: null,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      await tx.insertMember(owner);
      await recordSystemActivity(deps, tx, now, 'member.created', 'member', owner.id, { role: 'owner' });
    }
    // Idempotent: the store adds only memberships that are missing.
    await tx.addGroupMembers(groups.get('owners')!.id, [owner.id]);
    await tx.addGroupMembers(groups.get('team_members')!.id, [owner.id]);
    return { account, owner, created, ownerEmailIgnored };
  });
}

/** The account's owner: the first member of Owners whose role is owner, if any. */
export async function existingOwner(tx: StoreOps, ownersGroupId: string): Promise<Member | undefined> {
  let afterMemberId: string | undefined;
  for (;;) {
    const page = await tx.listGroupMembers(ownersGroupId, {
      limit: 100,
      ...(afterMemberId ? { afterMemberId } : {}),
    });
    if (page.length === 0) return undefined;
    for (const ref of page) {
      const member = await tx.getMember(ref.id);
      if (member?.role === 'owner' && !member.scimDeleted) return member;
    }
    afterMemberId = page[page.length - 1]!.id;
  }
}

function recordSystemActivity(
  deps: AccountDeps,
  tx: StoreOps,
  at: string,
  action: ActivityAction,
  targetType: ActivityEntry['targetType'],
  targetId: string,
  detail: Record<string, unknown>,
): Promise<void> {
  return tx.appendActivity({ id: deps.ids(), at, actor: 'system', action, targetType, targetId, detail });
}
