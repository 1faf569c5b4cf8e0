/** Sign-up as the sign-up page leaves a member, for tests that need pending members. */
import assert from 'node:assert/strict';
import type { Member } from '../../src/account/model.ts';
import type { Store } from '../../src/account/store.ts';
import { createMemberKeys } from '../../src/crypto/member-keys.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

/** A key pair sealed under the password (1,000 PBKDF2 iterations: fast), the member pending. */
export async function signUp(store: Store, memberId: string, password = TEST_PASSWORD): Promise<void> {
  const { material } = await createMemberKeys(password, { iterations: 1000 });
  const member = (await store.getMember(memberId))!;
  const now = new Date().toISOString();
  await store.saveMemberKeys({ memberId, ...material, createdAt: now });
  const pending: Member = { ...member, state: 'pending', signedUpAt: now, version: member.version + 1 };
  assert.equal(await store.updateMember(pending, member.version), true);
}
