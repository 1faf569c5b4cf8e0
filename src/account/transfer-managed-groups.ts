/**
 * Moving an integration (P20): hands the managed groups of previous integrations to the
 * current one. Re-creating the integration (`setupProvisioning` with `newIntegration`)
 * released them: no longer managed, so the new IdP neither sees nor overwrites them, and its
 * push of a group of the same name is refused as not managed (P17). Transferred, they are
 * managed again, so the new IdP's lookup by displayName finds them instead of duplicating
 * them. Members, keys and vault grants stay as they are. One transaction; a second run finds
 * nothing left and says so, changing nothing.
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Group } from './model.ts';
import type { PreviousIntegrationGroup } from './store.ts';

export interface ManagedGroupsTransfer {
  /** The integration that manages them now. */
  integrationId: string;
  /** By name. */
  groups: Group[];
}

/** What a transfer would move now: the groups previous integrations managed, by name, with member counts. */
export function listPreviousIntegrationGroups(deps: AccountDeps): Promise<PreviousIntegrationGroup[]> {
  return deps.store.listPreviousIntegrationGroups();
}

export function transferManagedGroups(deps: AccountDeps, actor: AdminActor): Promise<ManagedGroupsTransfer> {
  return deps.store.transaction(async (tx) => {
    const integration = await tx.getIntegration();
    if (integration === undefined) {
      throw new AccountError(
        'provisioning_disabled',
        'provisioning was never set up, so there is no integration to transfer groups to; turn it on first (page Provisioning, or `scimbridge provisioning setup`)',
      );
    }
    const waiting = await tx.listPreviousIntegrationGroups();
    const groups = await tx.transferPreviousIntegrationGroups(nowIso(deps));
    if (groups.length === 0) {
      throw new AccountError(
        'group_not_found',
        'no managed groups of a previous integration are waiting for a transfer: nothing changed',
      );
    }
    const now = nowIso(deps);
    const from = new Map(waiting.map((entry) => [entry.group.id, entry.integrationId]));
    for (const group of groups) {
      await recordAdminActivity(
        deps,
        tx,
        now,
        actor,
        'group.transferred',
        { targetType: 'group', targetId: group.id },
        {
          displayName: group.displayName,
          fromIntegrationId: from.get(group.id) ?? null,
          toIntegrationId: integration.id,
        },
      );
    }
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'integration.groups_transferred',
      { targetType: 'integration', targetId: integration.id },
      { groups: groups.length },
    );
    return { integrationId: integration.id, groups };
  });
}
