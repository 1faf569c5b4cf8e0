import type { MemberInput } from './client.ts';
import { AccountError } from './errors.ts';
import type { Account, Member, MemberState } from './model.ts';
import { type StoreOps, UniqueViolation } from './store.ts';
import { assertCleanText } from './text-rules.ts';

/** Owners' break-glass accounts and guests stay out of the IdP's reach (P16). */
export function isProtectedMember(member: Pick<Member, 'role'>): boolean {
  return member.role === 'owner' || member.role === 'guest';
}

export function assertManageable(member: Member): void {
  if (isProtectedMember(member)) {
    throw new AccountError(
      'member_protected',
      `member ${member.id} is an ${member.role}: owners and guests cannot be managed by provisioning`,
    );
  }
}

export function assertMemberText(input: MemberInput): void {
  assertCleanText('userName', input.userName);
  assertCleanText('the e-mail address', input.email);
  assertCleanText('displayName', input.displayName);
  assertCleanText('name.givenName', input.givenName);
  assertCleanText('name.familyName', input.familyName);
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** (P13) Only listed sign-up domains, when there are any. */
export function assertDomainAllowed(account: Account, email: string): void {
  if (account.allowedDomains.length === 0) return;
  const domain = domainOf(email);
  if (!account.allowedDomains.includes(domain)) {
    throw new AccountError(
      'domain_not_allowed',
      `the e-mail domain "${domain}" is not on this account's allowed sign-up domains (${account.allowedDomains.join(', ')})`,
    );
  }
}

export async function assertEmailFree(ops: StoreOps, email: string, ownId: string | null): Promise<void> {
  const holder = await ops.findMemberByEmail(email);
  if (holder !== undefined && holder.id !== ownId) {
    throw new AccountError('email_taken', `the e-mail address ${email} belongs to another member`);
  }
}

/** 404 also for members deleted through SCIM (P14); 412 on a pinned stale version. */
export async function requireWritableMember(
  ops: StoreOps,
  id: string,
  expectedVersion: number | undefined,
): Promise<Member> {
  const existing = await ops.getMember(id);
  if (existing === undefined || existing.scimDeleted) {
    throw new AccountError('member_not_found', `no member with id ${id}`);
  }
  if (expectedVersion !== undefined && existing.version !== expectedVersion) {
    throw new AccountError(
      'version_mismatch',
      `member ${id} is at version ${existing.version}, not ${expectedVersion}`,
    );
  }
  return existing;
}

export async function requireAccount(ops: StoreOps): Promise<Account> {
  const account = await ops.getAccount();
  if (account === undefined) {
    throw new AccountError('account_missing', 'the team account has not been set up yet');
  }
  return account;
}

export function restoredState(member: Pick<Member, 'confirmedAt' | 'signedUpAt'>): MemberState {
  if (member.confirmedAt !== null) return 'active';
  if (member.signedUpAt !== null) return 'pending';
  return 'invited';
}

export function differentIdentities(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a !== b;
}

/**
 * P15: a suspended member whom the IdP reactivates under another address is a new person.
 * An address the member was already asked to accept before the suspension is not "another".
 */
export function isRecreation(existing: Member, input: MemberInput): boolean {
  return (
    existing.state === 'suspended' &&
    input.active &&
    !sameAddress(existing.email, input.email) &&
    !(existing.pendingEmail !== null && sameAddress(existing.pendingEmail, input.email))
  );
}

export interface MemberChangePlan {
  /** `version` and `updatedAt` are still the old ones. */
  next: Member;
  changed: boolean;
  /** An address the member must now accept (P13): the caller checks it and mails the member. */
  emailChangeRequested: string | null;
  suspended: boolean;
  reactivated: boolean;
}

/** A new address becomes a pending change; a suspended member's address is never touched (P15). */
export function planMemberChange(existing: Member, input: MemberInput, now: string): MemberChangePlan {
  const next: Member = {
    ...existing,
    userName: input.userName,
    externalId: input.externalId,
    displayName: input.displayName,
    givenName: input.givenName,
    familyName: input.familyName,
    profile: input.profile,
    managed: true,
    scimDeleted: false,
  };
  let suspended = false;
  let reactivated = false;
  const wasSuspended = existing.state === 'suspended';
  if (!input.active && !wasSuspended) {
    next.state = 'suspended';
    next.suspendedAt = now;
    suspended = true;
  } else if (input.active && wasSuspended) {
    next.state = restoredState(existing);
    next.suspendedAt = null;
    reactivated = true;
  }

  let emailChangeRequested: string | null = null;
  if (!wasSuspended && input.active) {
    if (sameAddress(input.email, existing.email)) {
      // Same mailbox, maybe another spelling: nothing to accept. An unaccepted change the
      // IdP has now taken back is dropped.
      next.email = input.email;
      next.pendingEmail = null;
    } else if (existing.pendingEmail === null || !sameAddress(existing.pendingEmail, input.email)) {
      next.pendingEmail = input.email;
      emailChangeRequested = input.email;
    }
  }

  const changed =
    next.userName !== existing.userName ||
    next.externalId !== existing.externalId ||
    next.displayName !== existing.displayName ||
    next.givenName !== existing.givenName ||
    next.familyName !== existing.familyName ||
    next.managed !== existing.managed ||
    next.scimDeleted !== existing.scimDeleted ||
    next.state !== existing.state ||
    next.email !== existing.email ||
    next.pendingEmail !== existing.pendingEmail ||
    !jsonEqual(next.profile, existing.profile);
  return { next, changed, emailChangeRequested, suspended, reactivated };
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => jsonEqual(item, other[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]));
}

export function memberUniquenessError(error: unknown, input: Pick<MemberInput, 'userName' | 'email'>): never {
  if (error instanceof UniqueViolation) {
    if (error.field === 'email') {
      throw new AccountError('email_taken', `the e-mail address ${input.email} belongs to another member`);
    }
    if (error.field === 'externalId') {
      throw new AccountError('user_name_taken', `another member already has this externalId`);
    }
    throw new AccountError('user_name_taken', `the userName ${input.userName} belongs to another member`);
  }
  throw error;
}
