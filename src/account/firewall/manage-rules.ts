/**
 * Adding and removing firewall rules (P4): `scimbridge firewall …` and the console's Provisioning page.
 * A range is stored in canonical form, so `2001:DB8:0::/32` and `2001:db8::/32` are one rule.
 */
import { recordActivity } from '../activity.ts';
import { type AccountDeps, nowIso } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { ActivityActor, FirewallAction, FirewallRule } from '../model.ts';
import { UniqueViolation } from '../store.ts';
import { CidrError, formatCidr, parseCidr } from './cidr.ts';

export type NewFirewallRule =
  | { kind: 'range'; action: FirewallAction; cidr: string; note?: string | undefined }
  | { kind: 'listed_networks'; note?: string | undefined };

const MAX_NOTE = 200;

export async function addFirewallRule(
  deps: AccountDeps,
  input: NewFirewallRule,
  opts: { actor?: ActivityActor } = {},
): Promise<FirewallRule> {
  const note = input.note?.trim() || null;
  if (note !== null && (note.length > MAX_NOTE || [...note].some((c) => c < ' ' || c === '\u007f'))) {
    throw new AccountError('invalid_input', `a rule's note is one line of at most ${MAX_NOTE} characters`);
  }
  let cidr: string | null = null;
  if (input.kind === 'range') {
    try {
      cidr = formatCidr(parseCidr(input.cidr));
    } catch (error) {
      if (error instanceof CidrError) throw new AccountError('invalid_input', error.message);
      throw error;
    }
  }
  const now = nowIso(deps);
  const rule: FirewallRule = {
    id: deps.ids(),
    action: input.kind === 'range' ? input.action : 'deny',
    kind: input.kind,
    cidr,
    note,
    createdAt: now,
  };
  try {
    await deps.store.transaction(async (tx) => {
      await tx.insertFirewallRule(rule);
      await recordActivity(
        deps,
        tx,
        now,
        'firewall.rule_added',
        { targetType: 'account', targetId: rule.id },
        { action: rule.action, kind: rule.kind, cidr: rule.cidr },
        opts.actor ?? 'admin',
      );
    });
  } catch (error) {
    if (error instanceof UniqueViolation) {
      throw new AccountError(
        'invalid_input',
        rule.kind === 'range'
          ? `there is already a rule for ${cidr}; remove it first to change it`
          : 'the listed-networks rule is already on',
      );
    }
    throw error;
  }
  return rule;
}

/** False when there was no such rule. */
export async function removeFirewallRule(
  deps: AccountDeps,
  id: string,
  opts: { actor?: ActivityActor } = {},
): Promise<boolean> {
  return deps.store.transaction(async (tx) => {
    const removed = await tx.deleteFirewallRule(id);
    if (removed) {
      await recordActivity(
        deps,
        tx,
        nowIso(deps),
        'firewall.rule_removed',
        { targetType: 'account', targetId: id },
        {},
        opts.actor ?? 'admin',
      );
    }
    return removed;
  });
}
