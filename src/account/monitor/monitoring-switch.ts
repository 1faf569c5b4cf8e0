/**
 * The health monitor's on/off switch (P7). Which bridges are watched stays configuration
 * (SCIMBRIDGE_MONITOR_BRIDGES); whether they are watched is this stored setting, read by the
 * monitor at every round, so a switch takes effect without a restart on every account server.
 */
import { recordActivity } from '../activity.ts';
import type { AccountDeps } from '../deps.ts';

export interface MonitoringSwitch {
  enabled: boolean;
  /** When it was last switched; null when it never was (on by default). */
  changedAt: string | null;
}

/**
 * Switches the monitor. Switching to the state it is in changes and records nothing, except
 * the first time: choosing "on" explicitly stamps when, and who chose it is in the activity.
 */
export async function setMonitoringSwitch(deps: AccountDeps, enabled: boolean): Promise<MonitoringSwitch> {
  const now = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    const current = await tx.getMonitoringSwitch();
    if (current.enabled === enabled && current.changedAt !== null) return current;
    await tx.setMonitoringSwitch(enabled, now);
    await recordActivity(
      deps,
      tx,
      now,
      enabled ? 'monitoring.switched_on' : 'monitoring.switched_off',
      { targetType: 'account', targetId: 'health-monitor' },
      {},
      'admin',
    );
    return { enabled, changedAt: now };
  });
}

export function getMonitoringSwitch(deps: Pick<AccountDeps, 'store'>): Promise<MonitoringSwitch> {
  return deps.store.getMonitoringSwitch();
}
