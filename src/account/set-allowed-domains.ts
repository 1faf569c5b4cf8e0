/**
 * The account's allowed sign-up domains (P13): when the list is not empty, every member's
 * address (new, matched or changed) must use one of them. An administrator sets the whole
 * list at once; each entry is a domain name (RFC 1035 §2.3.1 labels, lower-cased), and a
 * list that is not valid changes nothing.
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { requireAccount } from './member-rules.ts';
import type { Account } from './model.ts';

const MAX_DOMAINS = 100;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Splits on commas, spaces or line breaks; lower-cases; drops repeats. Throws naming the bad entry. */
export function parseDomainList(text: string): string[] {
  const domains = [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((entry) => entry.trim().toLowerCase().replace(/^@/, ''))
        .filter((entry) => entry !== ''),
    ),
  ];
  for (const domain of domains) {
    const labels = domain.split('.');
    if (domain.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
      throw new AccountError(
        'invalid_input',
        `"${domain.slice(0, 60)}" is not a domain name; write domains like example.com, separated by commas`,
      );
    }
  }
  if (domains.length > MAX_DOMAINS) {
    throw new AccountError('invalid_input', `at most ${MAX_DOMAINS} domains, not ${domains.length}`);
  }
  return domains;
}

export function setAllowedDomains(deps: AccountDeps, domains: readonly string[]): Promise<Account> {
  return deps.store.transaction(async (tx) => {
    const account = await requireAccount(tx);
    const next: Account = { ...account, allowedDomains: [...domains] };
    await tx.saveAccount(next);
    await recordActivity(
      deps,
      tx,
      nowIso(deps),
      'account.allowed_domains_changed',
      { targetType: 'account', targetId: account.id },
      { from: account.allowedDomains, to: next.allowedDomains },
      'admin',
    );
    return next;
  });
}
