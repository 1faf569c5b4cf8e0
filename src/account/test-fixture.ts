/**
 * A team account on an in-memory SQLite store with a clock that only moves when told and
 * sequential ids, for the use-case tests.
 */

import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { MemberInput } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { ensureAccount } from './ensure-account.ts';
import type { Account, ActivityEntry, Group, Member, OutboxMessage } from './model.ts';

export const START = '2025-03-01T09:00:00.000Z';

export interface Fixture {
  deps: AccountDeps;
  account: Account;
  owner: Member;
  teamMembers: Group;
  advance(ms: number): void;
  /** Activity actions in the order they were written. */
  actions(): Promise<string[]>;
  activity(): Promise<ActivityEntry[]>;
  mail(): Promise<OutboxMessage[]>;
  close(): Promise<void>;
}

export async function openFixture(options: { allowedDomains?: string[] } = {}): Promise<Fixture> {
  const store = await openSqliteStore({ path: ':memory:' });
  let now = Date.parse(START);
  let next = 0;
  const deps: AccountDeps = {
    store,
    clock: { now: () => new Date(now) },
    ids: () => `id-${String(++next).padStart(4, '0')}`,
    accountUrl: 'https://team.acme.test',
  };
  let { account, owner } = await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
  if (options.allowedDomains !== undefined) {
    account = { ...account, allowedDomains: options.allowedDomains };
    await store.saveAccount(account);
  }
  const teamMembers = (await store.findGroupByKind('team_members'))!;
  const activity = async () => (await store.listActivity({ limit: 1000 })).reverse();
  return {
    deps,
    account,
    owner,
    teamMembers,
    advance: (ms) => {
      now += ms;
    },
    activity,
    actions: async () => (await activity()).map((entry) => entry.action),
    mail: async () => (await store.listMail({ limit: 1000 })).reverse(),
    close: () => store.close(),
  };
}

export function memberInput(overrides: Partial<MemberInput> = {}): MemberInput {
  const email = overrides.email ?? 'grace@acme.test';
  return {
    userName: email,
    email,
    externalId: null,
    displayName: 'Grace Hopper',
    givenName: 'Grace',
    familyName: 'Hopper',
    active: true,
    profile: { userName: email, emails: [{ value: email, primary: true }] },
    ...overrides,
  };
}

/** Runs `work` and returns the AccountError code it threw. */
export async function errorCode(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw error;
  }
  throw new Error('expected an AccountError, but the call succeeded');
}
