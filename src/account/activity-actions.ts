/**
 * The one list of what the activity log records, each action with the words the console and
 * the CLI show for it. `recordActivity` and `Store.appendActivity` take only these names, so an
 * action missing here does not compile; entries read back stay plain text, because a database
 * may hold names an earlier version wrote.
 */

export const ACTIVITY_ACTIONS = {
  'account.created': 'Created the account',
  'account.allowed_domains_changed': 'Changed the allowed e-mail domains',
  'member.created': 'Added the owner',
  'member.invited': 'Invited a person',
  'member.created_suspended': 'Added a person, suspended',
  'member.matched': 'Matched a person to the IdP',
  'member.restored': 'Restored a person the IdP deleted',
  'member.updated': 'Updated a person',
  'member.suspended': 'Suspended a person',
  'member.reactivated': 'Reactivated a person',
  'member.detached': 'Set a person aside for a new IdP user',
  'member.deleted': 'Deleted a person',
  'member.administrator_appointed': 'Made a person an administrator',
  'member.administrator_removed': 'Removed a person from the administrators',
  'member.invitation_resent': 'Sent an invitation again',
  'member.reinvited': 'Invited a person again with a new link',
  'member.owner_setup_link_issued': "Issued the owner's set-up link",
  'member.signed_up': 'Signed up',
  'member.confirmed': 'Confirmed a person',
  'member.password_changed': 'Changed a password',
  'member.email_change_requested': "Asked to change a person's e-mail",
  'member.email_change_resent': 'Sent an e-mail change link again',
  'member.email_changed': "Changed a person's e-mail",
  'group.created': 'Created a group',
  'group.renamed': 'Renamed a group',
  'group.updated': 'Updated a group',
  'group.members_changed': "Changed a group's members",
  'group.members_skipped': 'Left out members provisioning cannot manage',
  'group.deleted': 'Deleted a group',
  'group.managed': 'Handed a group to provisioning',
  'group.unmanaged': 'Took a group back from provisioning',
  'group.kept_from_transfer': 'Kept a group out of the transfer',
  'group.transferred': 'Transferred a group to the new integration',
  'group_keys.resealed': 'Resealed group keys for provisioning',
  'group_keys.given_to_bridge': "Gave the bridge a group's key",
  'vault.created': 'Created a vault',
  'vault.granted': 'Gave a group a vault',
  'vault.revoked': 'Took a vault from a group',
  'vault.permission_changed': "Changed a group's permission on a vault",
  'integration.credentials_generated': 'Generated provisioning credentials',
  'integration.recreated': 'Re-created the integration',
  'integration.deactivated': 'Deactivated provisioning',
  'integration.groups_transferred': 'Transferred managed groups',
  'firewall.rule_added': 'Added a firewall rule',
  'firewall.rule_removed': 'Removed a firewall rule',
  'monitoring.switched_on': 'Switched monitoring on',
  'monitoring.switched_off': 'Switched monitoring off',
  'monitoring.recipients_changed': 'Changed who gets monitoring notices',
  'monitoring_token.created': 'Created a monitoring token',
  'monitoring_token.revoked': 'Revoked a monitoring token',
  'mail.retried': 'Queued an e-mail again',
} as const satisfies Record<string, string>;

export type ActivityAction = keyof typeof ACTIVITY_ACTIONS;

/** In the list's order, which groups related actions for a chooser. */
export const ACTIVITY_ACTION_NAMES = Object.keys(ACTIVITY_ACTIONS) as ActivityAction[];

export function isActivityAction(value: string): value is ActivityAction {
  return Object.hasOwn(ACTIVITY_ACTIONS, value);
}

/** The words for an action; a name this version does not record is shown as it is stored. */
export function activityLabel(action: string): string {
  return isActivityAction(action) ? ACTIVITY_ACTIONS[action] : action;
}
