import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, test } from 'node:test';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { AccountDeps } from '../deps.ts';
import { ensureAccount } from '../ensure-account.ts';
import { signIn } from '../member-sign-in.ts';
import type { Member } from '../model.ts';
import { hashProof } from '../proof-hash.ts';
import { SignupError } from '../signup-errors.ts';
import { adminOfSession, adminSignIn, adminSignOut, type ConsoleSessionSettings } from './admin-sign-in.ts';

const SESSIONS: ConsoleSessionSettings = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };
const MINUTE = 60_000;

let deps: AccountDeps;
let clock: FakeClock;
let owner: Member;
const proof = randomBytes(32).toString('base64url');

async function giveCredential(member: Member): Promise<void> {
  await deps.store.saveMemberCredential({
    memberId: member.id,
    proofSalt: randomBytes(16).toString('base64url'),
    proofIterations: 1000,
    proofHash: await hashProof(proof),
    createdAt: clock.now().toISOString(),
  });
  const current = (await deps.store.getMember(member.id))!;
  await deps.store.updateMember(
    { ...current, state: 'pending', version: current.version + 1 },
    current.version,
  );
}

beforeEach(async () => {
  clock = new FakeClock('2026-03-01T09:00:00Z');
  let next = 0;
  deps = { store: await openSqliteStore({ path: ':memory:' }), clock, ids: () => `id-${++next}` };
  ({ owner } = await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' }));
  await giveCredential(owner);
});
afterEach(() => deps.store.close());

test('a console session ends after the idle time without requests', async () => {
  const { sessionToken } = await adminSignIn(deps, SESSIONS, { email: 'owner@acme.test', proof });
  clock.advance(29 * MINUTE);
  assert.equal((await adminOfSession(deps, SESSIONS, sessionToken))?.member.id, owner.id);
  clock.advance(29 * MINUTE); // 58 minutes in, but only 29 since the last request
  assert.ok(await adminOfSession(deps, SESSIONS, sessionToken), 'each request moves the idle end');
  clock.advance(31 * MINUTE);
  assert.equal(await adminOfSession(deps, SESSIONS, sessionToken), undefined);
});

test('a console session ends at the absolute limit however busy', async () => {
  const { sessionToken } = await adminSignIn(deps, SESSIONS, { email: 'owner@acme.test', proof });
  for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
    clock.advance(20 * MINUTE);
    assert.ok(await adminOfSession(deps, SESSIONS, sessionToken), `${elapsed + 20} minutes in`);
  }
  clock.advance(20 * MINUTE);
  assert.equal(await adminOfSession(deps, SESSIONS, sessionToken), undefined);
});

test('sign-out ends the session; a member cookie is no console session and the other way round', async () => {
  const { sessionToken } = await adminSignIn(deps, SESSIONS, { email: 'owner@acme.test', proof });
  const member = await signIn(deps, { email: 'owner@acme.test', proof });
  assert.equal(await adminOfSession(deps, SESSIONS, member.sessionToken), undefined);
  await adminSignOut(deps, sessionToken);
  assert.equal(await adminOfSession(deps, SESSIONS, sessionToken), undefined);
});

test('members outside Owners and Administrators are refused once their password proved right', async () => {
  const now = clock.now().toISOString();
  const member: Member = {
    ...owner,
    id: 'm-plain',
    userName: 'plain@acme.test',
    email: 'plain@acme.test',
    role: 'member',
    displayName: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.store.insertMember(member);
  await giveCredential(member);
  await assert.rejects(
    adminSignIn(deps, SESSIONS, { email: 'plain@acme.test', proof }),
    (error) => error instanceof SignupError && error.code === 'not_administrator',
  );
  await assert.rejects(
    adminSignIn(deps, SESSIONS, { email: 'plain@acme.test', proof: randomBytes(32).toString('base64url') }),
    (error) => error instanceof SignupError && error.code === 'sign_in_failed',
  );
  // Joining Administrators opens the console; leaving it ends the session at once.
  const administrators = (await deps.store.findGroupByKind('administrators'))!;
  await deps.store.addGroupMembers(administrators.id, [member.id]);
  const { sessionToken } = await adminSignIn(deps, SESSIONS, { email: 'plain@acme.test', proof });
  assert.ok(await adminOfSession(deps, SESSIONS, sessionToken));
  await deps.store.removeGroupMembers(administrators.id, [member.id]);
  assert.equal(await adminOfSession(deps, SESSIONS, sessionToken), undefined);
});
