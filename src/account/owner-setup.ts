/**
 * The owner's setup link: the owner made at the first start has no password yet, so the
 * operator who started the server gets a one-time link (printed at the first start, and by
 * `scimbridge owner setup-link`). It is an invitation of the owner, opened on the sign-up
 * page, where the owner also sets their name; their key pair is made in the browser exactly
 * as a member's (complete-signup.ts). It is not mailed: the owner's address may not receive
 * mail yet, and whoever runs the server is the one who sets it up.
 *
 * A new link revokes the previous one. Once the owner has set a password there is nothing to
 * set up: the answer says to sign in instead.
 */
import { recordActivity } from './activity.ts';
import { type AccountDeps, nowIso, signupSettings } from './deps.ts';
import { existingOwner } from './ensure-account.ts';
import { AccountError } from './errors.ts';
import { issueInvitation } from './invitations.ts';
import { requireAccount } from './member-rules.ts';
import type { Member } from './model.ts';
import { SignupError } from './signup-errors.ts';

export interface OwnerSetupLink {
  owner: Member;
  /** The secret link; shown to the operator once, stored only as a digest. */
  link: string;
  expiresAt: string;
}

export function issueOwnerSetupLink(deps: AccountDeps): Promise<OwnerSetupLink> {
  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    const owners = await tx.findGroupByKind('owners');
    const owner = owners && (await existingOwner(tx, owners.id));
    if (owner === undefined) {
      throw new AccountError('account_missing', 'the account has no owner yet; start the server once first');
    }
    if (owner.state !== 'invited') {
      throw new SignupError(
        'not_invitable',
        `the owner ${owner.email} has already set a password; sign in at ${signupSettings(deps).accountUrl.replace(/\/+$/, '')}/`,
      );
    }
    const account = await requireAccount(tx);
    const { invitation, link } = await issueInvitation(deps, tx, account, owner, now, false, false);
    await recordActivity(
      deps,
      tx,
      now,
      'member.owner_setup_link_issued',
      {
        targetType: 'member',
        targetId: owner.id,
      },
      {},
      'system',
    );
    return { owner, link, expiresAt: invitation.expiresAt };
  });
}
