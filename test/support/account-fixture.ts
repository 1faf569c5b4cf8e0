/**
 * A team account on an in-memory SQLite store with a clock that only moves when told and
 * sequential ids, for the use-case tests.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MemberInput } from '../../src/account/client.ts';
import { createMember } from '../../src/account/create-member.ts';
import type { AccountDeps, SignupSettings } from '../../src/account/deps.ts';
import { ensureAccount } from '../../src/account/ensure-account.ts';
import { createOutboxSeal, openLinks } from '../../src/account/mail/outbox-seal.ts';
import type { Account, ActivityEntry, Group, Member, OutboxMessage } from '../../src/account/model.ts';
import type { Store } from '../../src/account/store.ts';
import { generateExportedKeyPair } from '../../src/crypto/keys.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';

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
  /** The outbox, oldest first, each link opened as the mail sender opens it (the rows hold it sealed). */
  mail(): Promise<OutboxMessage[]>;
  /** The outbox rows as stored. */
  storedMail(): Promise<OutboxMessage[]>;
  close(): Promise<void>;
}

const TEST_DATABASE_URL =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The outbox key of use-case tests; links in their outbox are sealed with it (openTestLinks reads them). */
export const TEST_OUTBOX_SEAL = createOutboxSeal(new Uint8Array(32).fill(7));

/** A message's data with its sealed link opened, as the mail sender sees it. */
export function openedData(message: OutboxMessage): Record<string, unknown> {
  return openLinks(
    TEST_OUTBOX_SEAL,
    { messageId: message.id, template: message.template, to: message.to },
    message.data,
  );
}

/**
 * The bare dependencies of a use case, before any account exists: an in-memory SQLite store,
 * the clock stopped at START, and ids counted from `id-1`.
 */
export async function openBareDeps(): Promise<AccountDeps> {
  let next = 0;
  return {
    store: await openSqliteStore({ path: ':memory:' }),
    clock: { now: () => new Date(START) },
    ids: () => `id-${++next}`,
  };
}

/** Settings for tests: PBKDF2 at its floor so that key creation takes milliseconds. */
export const TEST_SIGNUP: SignupSettings = {
  accountUrl: 'https://team.example.test',
  invitationValidityMs: 7 * 24 * 3600 * 1000,
  passwordIterations: 1_000,
  memberSessionMs: 12 * 3600 * 1000,
};

export async function openFixture(
  options: { allowedDomains?: string[]; db?: 'sqlite' | 'postgres'; signup?: SignupSettings } = {},
): Promise<Fixture> {
  let store: Store;
  let dropSchema = async () => {};
  if (options.db === 'postgres') {
    const schema = `uc_${randomBytes(6).toString('hex')}`;
    store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 });
    dropSchema = async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    };
  } else {
    store = await openSqliteStore({ path: ':memory:' });
  }
  let now = Date.parse(START);
  let next = 0;
  const deps: AccountDeps = {
    store,
    clock: { now: () => new Date(now) },
    ids: () => `id-${String(++next).padStart(4, '0')}`,
    accountUrl: 'https://team.acme.test',
    ...(options.signup ? { signup: options.signup } : {}),
    outboxSeal: TEST_OUTBOX_SEAL,
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
    mail: async () =>
      (await store.listMail({ limit: 1000 }))
        .reverse()
        .map((message) => ({ ...message, data: openedData(message) })),
    storedMail: async () => (await store.listMail({ limit: 1000 })).reverse(),
    close: async () => {
      await store.close();
      await dropSchema();
    },
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

/** A member with keys stored (as after sign-up) in `state`, and their public key. */
export async function memberWithKeys(
  f: Pick<Fixture, 'deps'>,
  state: 'pending' | 'active',
  input: MemberInput = memberInput(),
): Promise<{ member: Member; publicKey: string }> {
  const created = await createMember(f.deps, input);
  const keys = await generateExportedKeyPair('X25519');
  await f.deps.store.saveMemberKeys({
    memberId: created.id,
    publicKey: keys.publicKey,
    encryptedPrivateKey: 'sealed-elsewhere',
    createdAt: created.createdAt,
  });
  const member = { ...created, state, version: created.version + 1 };
  await f.deps.store.updateMember(member, created.version);
  return { member, publicKey: keys.publicKey };
}

/** A member who signed up (keys stored, state pending) and waits for a key holder to confirm them. */
export async function pendingMember(f: Pick<Fixture, 'deps'>, email: string): Promise<Member> {
  return (await memberWithKeys(f, 'pending', memberInput({ email }))).member;
}

/**
 * Gives a group a key and a vault granted to it, straight into the store: the state creating
 * a vault for that group leaves behind.
 */
export async function grantGroupVault(
  f: Fixture,
  grant: {
    groupId: string;
    publicKey: string;
    sealedForProvisioning?: string | null;
    vaultId: string;
    vaultName: string;
    sealedVaultKey: string;
    at: string;
  },
): Promise<void> {
  const { groupId, at } = grant;
  await f.deps.store.insertGroupKey({
    groupId,
    publicKey: grant.publicKey,
    sealedForProvisioning: grant.sealedForProvisioning ?? null,
    createdAt: at,
  });
  await f.deps.store.insertVault({ id: grant.vaultId, name: grant.vaultName, createdAt: at });
  await f.deps.store.saveVaultGrant({
    vaultId: grant.vaultId,
    groupId,
    sealedVaultKey: grant.sealedVaultKey,
    createdAt: at,
    permission: 'manage',
  });
}

/**
 * Writes `patch` over a member straight into the store, bumping its version: moves a member
 * along the sign-up path the way the sign-up pages and the watcher would.
 */
export async function setMemberState(f: Fixture, id: string, patch: Partial<Member>): Promise<Member> {
  const current = (await f.deps.store.getMember(id))!;
  const next = { ...current, ...patch, version: current.version + 1 };
  assert.ok(await f.deps.store.updateMember(next, current.version));
  return next;
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

/** What an invitee's browser would post for `password`, made with the real crypto modules. */
export async function signupSubmission(password: string, iterations = TEST_SIGNUP.passwordIterations) {
  const { createMemberKeys } = await import('../../src/crypto/member-keys.ts');
  const { deriveSignInProof, newProofParameters } = await import('../../src/crypto/sign-in-proof.ts');
  const { material } = await createMemberKeys(password, { iterations });
  const parameters = newProofParameters(iterations);
  return {
    publicKey: material.publicKey,
    encryptedPrivateKey: material.encryptedPrivateKey,
    proof: await deriveSignInProof(password, parameters),
    proofSalt: parameters.salt,
    proofIterations: parameters.iterations,
  };
}

/** The token of the newest invitation mailed to `email`, read from the outbox link. */
export async function latestInvitationToken(f: Fixture, email: string): Promise<string> {
  const mail = (await f.mail()).filter(
    (message) => message.template === 'invitation' && message.to === email,
  );
  const link = mail.at(-1)?.data.link;
  if (typeof link !== 'string') throw new Error(`no invitation link for ${email}`);
  return link.slice(link.lastIndexOf('/') + 1);
}
