/**
 * Concurrent IdP writes over real HTTP, on SQLite and PostgreSQL (issue 12, defects 4 and 5):
 * a managed member's address is not taken over by a create under another userName, however
 * many creates race for it; and writes without If-Match never fail for a version race, while
 * a stale If-Match is still 412 (RFC 7644 §3.14).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GROUP_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const CONCURRENT = 20;

function user(userName: string, email: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    emails: [{ value: email, type: 'work', primary: true }],
    ...extra,
  };
}

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`concurrent writes (${db})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ db });
    });
    after(async () => {
      await sys.close();
    });

    test("a create with a new userName and a managed member's e-mail is 409 uniqueness and changes nothing", async () => {
      const created = await sys.scim(
        'POST',
        '/Users',
        user('ada', 'ada@example.com', { externalId: 'idp-ada', name: { givenName: 'Ada' } }),
      );
      assert.equal(created.status, 201, created.text);
      const before = await sys.scim('GET', `/Users/${created.body.id}`);

      const takeover = await sys.scim('POST', '/Users', user('mallory', 'ADA@example.com'));
      assert.equal(takeover.status, 409, takeover.text);
      assert.equal(takeover.body.scimType, 'uniqueness');

      const afterwards = await sys.scim('GET', `/Users/${created.body.id}`);
      assert.deepEqual(afterwards.body, before.body);
      assert.equal(afterwards.body.userName, 'ada');
      assert.equal(afterwards.body.externalId, 'idp-ada');
      const found = await sys.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "mallory"')}`);
      assert.equal(found.body.totalResults, 0);
    });

    test(`${CONCURRENT} concurrent creates with one e-mail: exactly one 201, the rest 409 uniqueness`, async () => {
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          sys.scim(
            'POST',
            '/Users',
            user(`racer-${i}`, 'race@example.com', { externalId: `idp-racer-${i}` }),
          ),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(
        statuses,
        [201, ...Array(CONCURRENT - 1).fill(409)],
        answers.map((a) => a.text).join('\n'),
      );
      for (const refused of answers.filter((answer) => answer.status === 409)) {
        assert.equal(refused.body.scimType, 'uniqueness');
      }
      const winner = answers.find((answer) => answer.status === 201)!;
      const stored = await sys.scim('GET', `/Users/${winner.body.id}`);
      assert.equal(stored.body.userName, winner.body.userName);
      assert.equal(stored.body.externalId, winner.body.externalId);
      const all = await sys.scim('GET', `/Users?filter=${encodeURIComponent('userName sw "racer-"')}`);
      assert.equal(all.body.totalResults, 1);
    });

    test(`${CONCURRENT} concurrent group renames without If-Match all succeed; the name is one of them`, async () => {
      const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Renamed 0' });
      assert.equal(group.status, 201, group.text);
      const names = Array.from({ length: CONCURRENT }, (_, i) => `Renamed ${i + 1}`);
      const answers = await Promise.all(
        names.map((name, i) =>
          i % 2 === 0
            ? sys.scim(
                'PATCH',
                `/Groups/${group.body.id}`,
                patch({ op: 'replace', path: 'displayName', value: name }),
              )
            : sys.scim('PUT', `/Groups/${group.body.id}`, { schemas: [GROUP_SCHEMA], displayName: name }),
        ),
      );
      assert.deepEqual(
        answers.map((answer) => answer.status).filter((status) => status !== 200 && status !== 204),
        [],
        answers.map((a) => a.text).join('\n'),
      );
      const final = await sys.scim('GET', `/Groups/${group.body.id}`);
      assert.ok(names.includes(final.body.displayName), final.body.displayName);
    });

    test(`${CONCURRENT} concurrent user PUTs and PATCHes without If-Match all succeed; the state is one of them`, async () => {
      const created = await sys.scim('POST', '/Users', user('grace', 'grace@example.com'));
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      const titles = Array.from({ length: CONCURRENT }, (_, i) => `Title ${i}`);
      const puts = await Promise.all(
        titles.map((title) => sys.scim('PUT', `/Users/${id}`, user('grace', 'grace@example.com', { title }))),
      );
      assert.deepEqual(
        puts.filter((answer) => answer.status !== 200).map((answer) => answer.text),
        [],
      );
      assert.ok(titles.includes((await sys.scim('GET', `/Users/${id}`)).body.title));

      const nickNames = Array.from({ length: CONCURRENT }, (_, i) => `Nick ${i}`);
      const patches = await Promise.all(
        nickNames.map((nickName) =>
          sys.scim('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'nickName', value: nickName })),
        ),
      );
      assert.deepEqual(
        patches.filter((answer) => answer.status !== 200).map((answer) => answer.text),
        [],
      );
      assert.ok(nickNames.includes((await sys.scim('GET', `/Users/${id}`)).body.nickName));
    });

    test('with a stale If-Match a write is still 412 and changes nothing', async () => {
      const created = await sys.scim('POST', '/Users', user('linus', 'linus@example.com'));
      const stale = created.headers.get('etag')!;
      const moved = await sys.scim(
        'PATCH',
        `/Users/${created.body.id}`,
        patch({ op: 'replace', path: 'nickName', value: 'one' }),
      );
      assert.equal(moved.status, 200, moved.text);
      const refused = await sys.scim(
        'PATCH',
        `/Users/${created.body.id}`,
        patch({ op: 'replace', path: 'nickName', value: 'two' }),
        { 'if-match': stale },
      );
      assert.equal(refused.status, 412, refused.text);
      assert.equal((await sys.scim('GET', `/Users/${created.body.id}`)).body.nickName, 'one');

      const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Pinned' });
      const staleGroup = group.headers.get('etag')!;
      await sys.scim(
        'PATCH',
        `/Groups/${group.body.id}`,
        patch({ op: 'replace', path: 'displayName', value: 'Pinned 2' }),
      );
      const refusedGroup = await sys.scim(
        'PUT',
        `/Groups/${group.body.id}`,
        { schemas: [GROUP_SCHEMA], displayName: 'Pinned 3' },
        { 'if-match': staleGroup },
      );
      assert.equal(refusedGroup.status, 412, refusedGroup.text);
      assert.equal((await sys.scim('GET', `/Groups/${group.body.id}`)).body.displayName, 'Pinned 2');
    });
  });
}

/**
 * Another process (a second bridge, the CLI) keeps winning the race: the account client is
 * wrapped so that, before each of the bridge's first writes reaches the account, another
 * writer changes the same resource. In-process turn-taking cannot help here; the request
 * without If-Match must still apply, after as many fresh reads as it takes.
 */
describe('writes without If-Match outlast another writer that keeps winning', () => {
  const LOSSES = 12;
  let sys: TestSystem;
  let interfere = { member: '', group: '', left: 0 };
  before(async () => {
    sys = await startTestSystem({
      wrapAccountClient: (client) => {
        const other = (n: number) => `other writer ${n}`;
        const renameFirst = async (id: string) => {
          if (id !== interfere.group || interfere.left <= 0) return;
          const current = await client.getGroup(id);
          await client.updateGroup(
            id,
            { displayName: other(interfere.left--), externalId: null },
            current.version,
          );
        };
        return Object.assign(Object.create(client) as typeof client, {
          async updateMember(...args: Parameters<typeof client.updateMember>) {
            if (args[0] === interfere.member && interfere.left > 0) {
              const current = await client.getMember(args[0]);
              await client.updateMember(
                args[0],
                { ...args[1], displayName: other(interfere.left--) },
                current.version,
              );
            }
            return client.updateMember(...args);
          },
          async changeGroupMembers(...args: Parameters<typeof client.changeGroupMembers>) {
            await renameFirst(args[0]);
            return client.changeGroupMembers(...args);
          },
          async updateGroup(...args: Parameters<typeof client.updateGroup>) {
            await renameFirst(args[0]);
            return client.updateGroup(...args);
          },
        });
      },
    });
  });
  after(async () => {
    await sys.close();
  });

  test(`a user PUT that loses ${LOSSES} races in a row still applies`, async () => {
    const created = await sys.scim('POST', '/Users', user('ken', 'ken@example.com'));
    interfere = { member: created.body.id, group: '', left: LOSSES };
    const put = await sys.scim(
      'PUT',
      `/Users/${created.body.id}`,
      user('ken', 'ken@example.com', { title: 'Mine' }),
    );
    assert.equal(put.status, 200, put.text);
    assert.equal(interfere.left, 0);
    assert.equal((await sys.scim('GET', `/Users/${created.body.id}`)).body.title, 'Mine');
  });

  test(`a group rename that loses ${LOSSES} races in a row still applies`, async () => {
    const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Contested' });
    interfere = { member: '', group: group.body.id, left: LOSSES };
    const renamed = await sys.scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patch({ op: 'replace', path: 'displayName', value: 'Mine' }),
    );
    assert.equal(renamed.status, 204, renamed.text);
    assert.equal(interfere.left, 0);
    assert.equal((await sys.scim('GET', `/Groups/${group.body.id}`)).body.displayName, 'Mine');
  });
});
