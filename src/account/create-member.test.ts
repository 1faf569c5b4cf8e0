import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import { getMember } from './get-member.ts';
import { hashInvitationToken } from './invitations.ts';
import type { Member } from './model.ts';
import { updateMember } from './update-member.ts';

let f: Fixture;
beforeEach(async () => {
  f = await openFixture();
});
afterEach(() => f.close());

/** A member who existed before provisioning, as an administrator would have added them. */
async function addExistingMember(overrides: Partial<Member>): Promise<Member> {
  const member: Member = {
    id: `existing-${overrides.email}`,
    userName: overrides.email ?? 'x@acme.test',
    email: 'x@acme.test',
    externalId: null,
    displayName: 'Old Name',
    givenName: null,
    familyName: null,
    state: 'active',
    role: 'member',
    managed: false,
    scimDeleted: false,
    profile: {},
    pendingEmail: null,
    signedUpAt: '2025-01-01T00:00:00.000Z',
    confirmedAt: '2025-01-02T00:00:00.000Z',
    suspendedAt: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
  await f.deps.store.insertMember(member);
  return member;
}

describe('createMember: a new person (P9)', () => {
  test('is invited, managed, in Team Members, with one invitation and one activity entry', async () => {
    const member = await createMember(f.deps, memberInput({ externalId: 'okta-1' }));
    assert.equal(member.state, 'invited');
    assert.equal(member.managed, true);
    assert.equal(member.role, 'member');
    assert.equal(member.externalId, 'okta-1');
    assert.deepEqual(await f.deps.store.getMember(member.id), member);
    assert.deepEqual(await f.deps.store.filterGroupMembers(f.teamMembers.id, [member.id]), [member.id]);
    const mail = await f.mail();
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.template, 'invitation');
    assert.equal(mail[0]!.to, 'grace@acme.test');
    const { link, ...rest } = mail[0]!.data as { link: string };
    assert.deepEqual(rest, {
      memberId: member.id,
      accountName: 'Acme',
      displayName: 'Grace Hopper',
      expiresAt: '2025-03-08T09:00:00.000Z',
    });
    // The link carries the token; the database has only its digest.
    const token = link.replace('http://localhost:8080/signup/', '');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const [invitation] = await f.deps.store.listInvitations(member.id);
    assert.equal(invitation!.tokenHash, hashInvitationToken(token));
    assert.notEqual(invitation!.tokenHash, token);
    const entry = (await f.activity()).at(-1)!;
    assert.equal(entry.action, 'member.invited');
    assert.equal(entry.actor, 'provisioning');
    assert.equal(entry.targetId, member.id);
  });

  test('created inactive: suspended, and nobody is e-mailed', async () => {
    const member = await createMember(f.deps, memberInput({ active: false }));
    assert.equal(member.state, 'suspended');
    assert.equal(member.suspendedAt, f.deps.clock.now().toISOString());
    assert.deepEqual(await f.mail(), []);
  });

  test('a domain outside the allowed list is refused, naming the domain, and nothing is written', async () => {
    await f.close();
    f = await openFixture({ allowedDomains: ['acme.test'] });
    const before = await f.actions();
    await assert.rejects(createMember(f.deps, memberInput({ email: 'eve@evil.test' })), {
      code: 'domain_not_allowed',
      message: /"evil\.test"/,
    });
    assert.deepEqual(await f.actions(), before);
    assert.equal((await f.deps.store.listMembers({ startIndex: 1, count: 0 })).total, 1);
    const allowed = await createMember(f.deps, memberInput({ email: 'ada@ACME.test' }));
    assert.equal(allowed.state, 'invited');
  });
});

describe('createMember: an existing member is matched (P9)', () => {
  test('by e-mail, case-insensitively: becomes managed, takes the IdP names, gets no invitation', async () => {
    const existing = await addExistingMember({ email: 'grace@acme.test', userName: 'ghopper' });
    const matched = await createMember(
      f.deps,
      memberInput({ email: 'Grace@Acme.test', userName: 'grace@acme.test', externalId: 'entra-9' }),
    );
    assert.equal(matched.id, existing.id);
    assert.equal(matched.managed, true);
    assert.equal(matched.state, 'active');
    assert.equal(matched.userName, 'grace@acme.test');
    assert.equal(matched.externalId, 'entra-9');
    assert.equal(matched.displayName, 'Grace Hopper');
    assert.equal(matched.pendingEmail, null);
    assert.equal(matched.version, 2);
    assert.deepEqual(await f.mail(), []);
    assert.equal((await f.actions()).at(-1), 'member.matched');
  });

  for (const role of ['owner', 'guest'] as const) {
    test(`an ${role} is protected (P16)`, async () => {
      await addExistingMember({ email: 'grace@acme.test', role });
      await assert.rejects(createMember(f.deps, memberInput()), {
        code: 'member_protected',
        message: /owners and guests cannot be managed by provisioning/,
      });
    });
  }

  test('the first start owner cannot be taken over by the IdP', async () => {
    assert.equal(
      await errorCode(() => createMember(f.deps, memberInput({ email: 'owner@acme.test' }))),
      'member_protected',
    );
  });
});

describe('createMember: duplicates and returning users', () => {
  test('creating the same user twice is 409 user_name_taken (Okta SPEC "recreating user with same values")', async () => {
    await createMember(f.deps, memberInput());
    assert.equal(await errorCode(() => createMember(f.deps, memberInput())), 'user_name_taken');
    assert.equal((await f.mail()).length, 1);
  });

  test('a userName held by another IdP identity (different externalId) is user_name_taken', async () => {
    await createMember(f.deps, memberInput({ externalId: 'a' }));
    const created = await getMember(f.deps, 'id-0013');
    await deleteMember(f.deps, created.id);
    assert.equal(
      await errorCode(() => createMember(f.deps, memberInput({ externalId: 'b' }))),
      'user_name_taken',
    );
  });

  test("a new userName with a managed member's e-mail is email_taken and changes nothing", async () => {
    const managed = await createMember(f.deps, memberInput({ userName: 'grace', externalId: 'okta-1' }));
    const mailBefore = await f.mail();
    for (const input of [
      memberInput({ userName: 'mallory', externalId: null }),
      memberInput({ userName: 'mallory', email: 'GRACE@acme.test', externalId: 'okta-1' }),
    ]) {
      assert.equal(await errorCode(() => createMember(f.deps, input)), 'email_taken');
    }
    assert.deepEqual(await getMember(f.deps, managed.id), managed);
    assert.deepEqual(await f.mail(), mailBefore);
  });

  test('a suspended managed member is not taken over by e-mail either', async () => {
    const managed = await createMember(f.deps, memberInput({ userName: 'grace', externalId: 'okta-1' }));
    const suspended = await updateMember(
      f.deps,
      managed.id,
      memberInput({ userName: 'grace', externalId: 'okta-1', active: false }),
    );
    assert.equal(
      await errorCode(() => createMember(f.deps, memberInput({ userName: 'mallory' }))),
      'email_taken',
    );
    assert.deepEqual(await getMember(f.deps, managed.id), suspended);
  });

  test('userName of one member and e-mail of another: email_taken', async () => {
    await createMember(f.deps, memberInput({ email: 'a@acme.test' }));
    await createMember(f.deps, memberInput({ email: 'b@acme.test' }));
    const code = await errorCode(() =>
      createMember(f.deps, memberInput({ userName: 'a@acme.test', email: 'b@acme.test' })),
    );
    assert.equal(code, 'email_taken');
  });

  test('a member deleted through SCIM is revived under the same id when the IdP creates them again', async () => {
    const first = await createMember(f.deps, memberInput({ externalId: 'okta-1' }));
    await deleteMember(f.deps, first.id);
    const entries = (await f.actions()).length;
    const again = await createMember(
      f.deps,
      memberInput({ externalId: 'okta-1', displayName: 'Rear Admiral Hopper' }),
    );
    assert.equal(again.id, first.id);
    assert.equal(again.scimDeleted, false);
    assert.equal(again.state, 'invited');
    assert.equal(again.displayName, 'Rear Admiral Hopper');
    assert.deepEqual(await getMember(f.deps, first.id), again);
    // One entry: the revival, with the state it came back in.
    const recorded = (await f.activity()).slice(entries);
    assert.deepEqual(
      recorded.map((entry) => [entry.action, entry.detail]),
      [['member.restored', { userName: again.userName, state: 'invited' }]],
    );
    // Suspended before sign-up: a fresh invitation lets them in.
    assert.deepEqual(
      (await f.mail()).map((m) => m.template),
      ['invitation', 'invitation'],
    );
  });

  test('a suspended member who had signed up comes back as active, with no invitation', async () => {
    const existing = await addExistingMember({ email: 'grace@acme.test', managed: true, state: 'suspended' });
    const again = await createMember(f.deps, memberInput());
    assert.equal(again.id, existing.id);
    assert.equal(again.state, 'active');
    assert.equal(again.suspendedAt, null);
    assert.deepEqual(await f.mail(), []);
  });

  test('revived but inactive: visible again, still suspended', async () => {
    const first = await createMember(f.deps, memberInput());
    await deleteMember(f.deps, first.id);
    const again = await createMember(f.deps, memberInput({ active: false }));
    assert.equal(again.scimDeleted, false);
    assert.equal(again.state, 'suspended');
  });

  test('a deleted member re-created with another address is a new person at the same id (P15)', async () => {
    const first = await createMember(f.deps, memberInput({ userName: 'grace', externalId: 'x1' }));
    await deleteMember(f.deps, first.id);
    const again = await createMember(
      f.deps,
      memberInput({ userName: 'grace', email: 'grace.new@acme.test', externalId: 'x1' }),
    );
    assert.equal(again.id, first.id);
    assert.equal(again.email, 'grace.new@acme.test');
    assert.equal(again.state, 'invited');
    const old = await f.deps.store.findMemberByEmail('grace@acme.test');
    assert.notEqual(old!.id, first.id);
    assert.equal(old!.state, 'suspended');
    assert.equal(old!.managed, false);
  });

  test('no 409 loop: every re-create of a deleted member after the first succeeds', async () => {
    const first = await createMember(f.deps, memberInput());
    for (let round = 0; round < 3; round++) {
      await deleteMember(f.deps, first.id);
      const again = await createMember(f.deps, memberInput());
      assert.equal(again.id, first.id);
    }
    await updateMember(f.deps, first.id, memberInput({ active: false }));
    assert.equal((await createMember(f.deps, memberInput())).state, 'invited');
  });
});
