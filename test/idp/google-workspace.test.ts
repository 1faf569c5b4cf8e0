/**
 * The Google Workspace sync (P21, research §4) end to end: Google's own client libraries
 * against a local fake of the token endpoint and the Directory API that speaks their wire
 * format, applying through the account's use cases on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { MemberView } from '../../src/account/client.ts';
import { setMemberState } from '../support/account-fixture.ts';
import { makeServiceAccount } from '../support/fake-google.ts';
import { type GoogleHarness, openGoogleHarness, seedGoogle } from '../support/google-sync-harness.ts';
import { testDatabases } from '../support/requirements.ts';

const ADMIN = 'it-admin@acme.test';

async function members(h: GoogleHarness): Promise<MemberView[]> {
  const all: MemberView[] = [];
  for (let startIndex = 1; ; ) {
    const page = await h.client.listMembers({ startIndex, count: 1000 });
    all.push(...page.items);
    startIndex += page.items.length;
    if (page.items.length === 0 || startIndex > page.total) return all;
  }
}

const byEmail = async (h: GoogleHarness, email: string) => (await members(h)).find((m) => m.email === email);

for (const db of testDatabases()) {
  describe(`Google Workspace sync (${db})`, () => {
    // 10,000 on SQLite; on PostgreSQL each invitation is a network round trip of its own, so
    // fewer people there (still many pages) keep the suite's time in bounds.
    const people = db === 'sqlite' ? 10_000 : 1_200;
    describe(`${people} users, approved after a preview, then kept in step`, () => {
      let h: GoogleHarness;
      let ids: string[];
      before(async () => {
        h = await openGoogleHarness(db);
        ids = seedGoogle(h.google, people);
        // Already in the account: one person Google also has (matched by e-mail), one it does not.
        const existing = await h.client.createMember({
          userName: 'user00001@acme.test',
          email: 'user00001@acme.test',
          externalId: null,
          displayName: 'Old Name',
          givenName: null,
          familyName: null,
          active: true,
          profile: {},
        });
        const contractor = await h.client.createMember({
          userName: 'contractor@acme.test',
          email: 'contractor@acme.test',
          externalId: null,
          displayName: 'Contractor',
          givenName: null,
          familyName: null,
          active: true,
          profile: {},
        });
        // Members from before provisioning: the IdP does not manage them yet (P9).
        await setMemberState(h.fixture, existing.id, { managed: false });
        await setMemberState(h.fixture, contractor.id, { managed: false });
        await h.sync.configure({ admin: ADMIN, groups: ['Staff@acme.test'] });
      });
      after(async () => {
        await h.close();
      });

      test('the preview counts and names everything, follows every page, and changes nothing', async () => {
        const preview = await h.sync.preview();
        assert.deepEqual(
          { ...preview.counts },
          {
            invite: people - 1,
            match: 1,
            update: 0,
            emailChange: 0,
            suspend: 1,
            reactivate: 0,
            groupsCreate: 1,
            groupsChange: 0,
            activeMembers: 2,
          },
        );
        assert.deepEqual(
          preview.plan.suspend.map(({ email, reason }) => ({ email, reason })),
          [{ email: 'contractor@acme.test', reason: 'not in a synced group' }],
        );
        assert.equal(preview.plan.match[0]?.email, 'user00001@acme.test');
        // Users at 500 a page and members at 200 a page, every token followed.
        const userPages = h.google.requests.filter((r) => r.includes('/admin/directory/v1/users?'));
        const memberPages = h.google.requests.filter((r) => r.includes('/members?'));
        assert.equal(userPages.length, Math.ceil(people / 500));
        assert.equal(memberPages.length, Math.ceil(people / 200));
        assert.equal(userPages.filter((r) => r.includes('pageToken=')).length, Math.ceil(people / 500) - 1);
        // The assertion carried the service account, the administrator and read-only scopes.
        const claims = h.google.tokenClaims[0];
        assert.equal(claims?.iss, h.account.clientEmail);
        assert.equal(claims?.sub, ADMIN);
        assert.match(String(claims?.scope), /admin\.directory\.user\.readonly/);
        assert.equal((await members(h)).length, 3, 'the preview wrote nothing');
      });

      test('a run before the preview is confirmed changes nothing', async () => {
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'skipped');
        assert.equal((await byEmail(h, 'contractor@acme.test'))?.state, 'invited');
      });

      test('turning the sync on asks for the suspensions by count', async () => {
        await assert.rejects(h.sync.approve(0), /suspends 1 member\(s\), not 0/);
        assert.equal((await h.settings.read()).enabled, false);
        await h.sync.approve(1);
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'applied', summary.message);
        assert.equal(summary.applied?.invite, people - 1);
        assert.equal(summary.applied?.suspend, 1);
        const all = await members(h);
        assert.equal(all.length, people + 2);
        assert.equal(all.find((m) => m.email === 'contractor@acme.test')?.state, 'suspended');
        const matched = all.find((m) => m.email === 'user00001@acme.test');
        assert.equal(matched?.externalId, ids[0]);
        assert.equal(matched?.displayName, 'Given1 Family1');
        const staff = (await h.client.listGroups({ startIndex: 1, count: 10 })).items.find(
          (g) => g.displayName === 'Staff',
        );
        assert.ok(staff);
        const firstPage = await h.client.listGroupMembers(staff.id, { limit: 10_000 });
        assert.equal(firstPage.length, people);
        assert.ok(h.logs.some((line) => line.includes('"msg":"google sync finished"')));
      });

      test('suspended and deleted in Google, a new address, a renamed group: the next run follows', async () => {
        const suspended = h.google.users.get(ids[1] as string);
        if (suspended) suspended.suspended = true;
        h.google.users.delete(ids[2] as string);
        const staff = h.google.groups.get('g-staff');
        if (staff) {
          staff.members = staff.members.filter((id) => id !== ids[2]);
          staff.name = 'All Staff';
        }
        const moving = h.google.users.get(ids[3] as string);
        if (moving) moving.primaryEmail = 'renamed.person@acme.test';
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'applied', summary.message);
        assert.deepEqual(
          {
            suspend: summary.planned?.suspend,
            emailChange: summary.planned?.emailChange,
            groupsChange: summary.planned?.groupsChange,
          },
          { suspend: 2, emailChange: 1, groupsChange: 1 },
        );
        assert.equal((await byEmail(h, 'user00002@acme.test'))?.state, 'suspended');
        assert.equal((await byEmail(h, 'user00003@acme.test'))?.state, 'suspended');
        // An invited member's address changes at once; it is the same person, found by Google id.
        const changed = (await members(h)).find((m) => m.externalId === ids[3]);
        assert.equal(changed?.userName, 'renamed.person@acme.test');
        const groups = (await h.client.listGroups({ startIndex: 1, count: 10 })).items;
        assert.deepEqual(
          groups.map((g) => g.displayName),
          ['All Staff'],
        );
        const again = await h.sync.runNow();
        assert.equal(again.outcome, 'applied');
        assert.equal(
          Object.values(again.applied ?? {}).reduce((sum, n) => sum + n, 0),
          0,
          'a run with nothing new changes nothing',
        );
      });
    });

    describe('safety', () => {
      let h: GoogleHarness;
      let ids: string[];
      before(async () => {
        h = await openGoogleHarness(db);
        ids = seedGoogle(h.google, 40);
        await h.sync.configure({ admin: ADMIN, groups: ['staff@acme.test'] });
        await h.sync.approve(0);
        const first = await h.sync.runNow();
        assert.equal(first.outcome, 'applied', first.message);
      });
      after(async () => {
        await h.close();
      });

      test('a run that would suspend more than 10 % of the account stops and says so', async () => {
        const staff = h.google.groups.get('g-staff');
        if (staff) staff.members = staff.members.slice(10);
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'stopped_by_guard');
        assert.match(
          summary.message ?? '',
          /would suspend 10 of 40 active members, more than the 10 % limit/,
        );
        assert.equal((await members(h)).filter((m) => m.state === 'suspended').length, 0);
        assert.ok(h.logs.some((line) => line.includes('google sync stopped by the mass-suspension guard')));
        assert.equal((await h.sync.status()).guardStopped, true);
        // The administrator checks the preview and confirms the ten: the next run goes ahead, once.
        await h.sync.approve(10);
        const approved = await h.sync.runNow();
        assert.equal(approved.outcome, 'applied', approved.message);
        assert.equal((await members(h)).filter((m) => m.state === 'suspended').length, 10);
        assert.equal((await h.settings.read()).approvedSuspensions, null);
        if (staff) staff.members = [...ids];
        assert.equal((await h.sync.runNow()).applied?.reactivate, 10);
      });

      test('quota answers mid-page are waited out with growing pauses, then the run completes', async () => {
        h.google.users.set('200000000001', {
          id: '200000000001',
          primaryEmail: 'late@acme.test',
          givenName: 'Late',
          familyName: 'Joiner',
        });
        h.google.groups.get('g-staff')?.members.push('200000000001');
        h.google.fail(/\/users\?/, { status: 403, reason: 'userRateLimitExceeded' }, 2);
        h.google.fail(/\/users\?/, { status: 429, reason: 'rateLimitExceeded', retryAfter: '30' }, 1);
        h.google.fail(/\/members\?/, { status: 503, reason: 'backendError' }, 1);
        h.google.fail(/\/members\?/, { status: 403, reason: 'quotaExceeded' }, 1);
        const before = h.time.pauses.length;
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'applied', summary.message);
        assert.equal(summary.applied?.invite, 1);
        const pauses = h.time.pauses.slice(before);
        assert.equal(pauses.length, 5);
        assert.ok(pauses.includes(30_000), 'Retry-After is honoured');
        assert.ok(h.logs.some((line) => line.includes('google directory busy; trying again after a pause')));
      });

      test('Google going away mid-run changes nothing, and the next run completes', async () => {
        h.google.users.set('200000000002', {
          id: '200000000002',
          primaryEmail: 'newer@acme.test',
          givenName: 'Newer',
          familyName: 'Person',
        });
        h.google.groups.get('g-staff')?.members.push('200000000002');
        h.google.goAwayAfter(1);
        const failed = await h.sync.runNow();
        assert.equal(failed.outcome, 'failed');
        assert.match(failed.message ?? '', /Google did not answer/);
        assert.equal(await byEmail(h, 'newer@acme.test'), undefined);
        await h.google.restart();
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'applied', summary.message);
        assert.equal((await byEmail(h, 'newer@acme.test'))?.state, 'invited');
      });

      test('one bridge leads: another bridge skips while the first holds the lease', async () => {
        const first = h.sync.runNow();
        const second = await h.another().runNow();
        assert.equal(second.outcome, 'skipped');
        assert.match(second.message ?? '', /another bridge leads/);
        assert.equal((await first).outcome, 'applied');
      });

      test('a new group selection pauses the sync until its preview is confirmed', async () => {
        await h.sync.configure({ groups: ['staff@acme.test', 'nobody@acme.test'] });
        const summary = await h.sync.runNow();
        assert.equal(summary.outcome, 'skipped');
        assert.equal((await h.sync.status()).state, 'awaiting_approval');
        await assert.rejects(h.sync.preview(), /Google has no group nobody@acme.test \(404\)/);
        await h.sync.configure({ groups: ['staff@acme.test'] });
        assert.equal((await h.sync.status()).state, 'on');
      });

      test('a wrong, revoked or undelegated key fails with what to fix, and changes nothing', async () => {
        const before = (await members(h)).length;
        const stranger = makeServiceAccount('someone-else@other-project.iam.gserviceaccount.com');
        await writeFile(h.keyPath, stranger.keyFile);
        const wrong = await h.sync.runNow();
        assert.equal(wrong.outcome, 'failed');
        assert.match(wrong.message ?? '', /rejected the service-account key .*download a new JSON key/);
        assert.doesNotMatch(wrong.message ?? '', /PRIVATE KEY/);
        // Revoked: the right file, but Google no longer knows the key.
        await writeFile(h.keyPath, h.account.keyFile);
        h.google.keys.delete(h.account.clientEmail);
        assert.match((await h.sync.runNow()).message ?? '', /Invalid JWT Signature.*download a new JSON key/);
        h.google.register(h.account);
        h.google.delegated.delete(h.account.clientId);
        assert.match(
          (await h.sync.runNow()).message ?? '',
          new RegExp(`Domain-wide delegation, add the client id ${h.account.clientId}`),
        );
        h.google.delegated.add(h.account.clientId);
        h.google.admins.delete(ADMIN);
        assert.match(
          (await h.sync.runNow()).message ?? '',
          /does not know the administrator it-admin@acme.test/,
        );
        h.google.admins.add(ADMIN);
        await writeFile(h.keyPath, '{"type":"authorized_user"}');
        assert.match((await h.sync.runNow()).message ?? '', /its "type" is not "service_account"/);
        await writeFile(h.keyPath, h.account.keyFile);
        assert.equal((await members(h)).length, before);
        assert.equal((await h.sync.runNow()).outcome, 'applied');
        assert.ok(h.logs.every((line) => !line.includes('PRIVATE KEY') && !line.includes('ya29.')));
      });
    });
  });
}
