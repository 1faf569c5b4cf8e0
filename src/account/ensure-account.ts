/**
 * First start: the account, its built-in groups (P19) and its owner. Safe to run on every
 * start: whatever already exists is kept, whatever is missing is created.
 */
import { BUILT_IN_GROUPS } from './built-in-groups.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import type { Account, ActivityEntry, Group, Member } from './model.ts';
import type { StoreOps } from './store.ts';

export interface EnsureAccountResult {
  account: Account;
  owner: Member;
  /** True when this call created the account (the first start). */
  created: boolean;
}

export function ensureAccount(
  deps: AccountDeps,
  settings: { name: string; ownerEmail: string },
): Promise<EnsureAccountResult> {
  return deps.store.transaction(async (tx) => {
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

    let owner = await tx.findMemberByEmail(settings.ownerEmail);
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
    return { account, owner, created };
  });
}

function recordSystemActivity(
  deps: AccountDeps,
  tx: StoreOps,
  at: string,
  action: string,
  targetType: ActivityEntry['targetType'],
  targetId: string,
  detail: Record<string, unknown>,
): Promise<void> {
  return tx.appendActivity({ id: deps.ids(), at, actor: 'system', action, targetType, targetId, detail });
}
