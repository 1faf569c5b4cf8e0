/**
 * Deactivation and reactivation PATCHes as Entra and Okta send them, through the one-process
 * system and through a bridge that reaches the account over its HTTP API. They take the
 * one-call path (`setMemberActive`); each answer must be exactly what the read-patch-write
 * path gives for the same change. The reference is the same request in a shape that path
 * still handles (a no-path value that echoes `schemas`, which the patch engine ignores), sent
 * to a twin user with the same history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccountClient } from '../../src/account/client.ts';
import {
  patch,
  type ScimResponse,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const fast = {
  entraOff: { op: 'Replace', path: 'active', value: 'False' },
  entraOn: { op: 'Replace', path: 'active', value: 'True' },
  oktaOff: { op: 'replace', value: { active: false } },
  oktaOn: { op: 'replace', value: { active: true } },
  bad: { op: 'Replace', path: 'active', value: 'maybe' },
};
/**
 * The same request with one more operation that changes nothing but that the one-call path
 * leaves to the read-patch-write path: a no-path value holding only `schemas`, which the
 * patch engine ignores. It comes last, so every error names the same operation.
 */
function reference(op: unknown): unknown[] {
  return [op, { op: 'replace', value: { schemas: [USER_SCHEMA] } }];
}

interface Step {
  op: keyof typeof fast;
  /** 'current': the user's ETag as last answered. */
  ifMatch?: 'current' | 'stale' | 'malformed' | 'several' | 'huge';
  query?: string;
}

const scenarios: Array<{ name: string; steps: Step[] }> = [
  { name: 'Entra deactivation', steps: [{ op: 'entraOff' }] },
  { name: 'Okta deactivation', steps: [{ op: 'oktaOff' }] },
  { name: 'deactivation with the current ETag in If-Match', steps: [{ op: 'entraOff', ifMatch: 'current' }] },
  { name: 'deactivation with a stale If-Match is 412', steps: [{ op: 'oktaOff', ifMatch: 'stale' }] },
  { name: 'a malformed If-Match is 400', steps: [{ op: 'entraOff', ifMatch: 'malformed' }] },
  { name: 'If-Match naming several versions', steps: [{ op: 'entraOff', ifMatch: 'several' }] },
  { name: 'repeated deactivation changes nothing', steps: [{ op: 'oktaOff' }, { op: 'entraOff' }] },
  {
    name: 'reactivation of a member who never signed up (Okta, then Entra)',
    steps: [{ op: 'oktaOff' }, { op: 'oktaOn' }, { op: 'entraOff' }, { op: 'entraOn', ifMatch: 'current' }],
  },
  { name: 'activating an active member changes nothing', steps: [{ op: 'entraOn' }] },
  { name: 'a bad value is 400 invalidValue', steps: [{ op: 'bad' }] },
  { name: 'If-Match with a version too large to exist is 412', steps: [{ op: 'entraOff', ifMatch: 'huge' }] },
  { name: 'a bad value with a stale If-Match is 412 first', steps: [{ op: 'bad', ifMatch: 'stale' }] },
  { name: 'with ?attributes=active', steps: [{ op: 'oktaOff', query: '?attributes=active' }] },
];

for (const accountTransport of ['in-process', 'http'] as const) {
  describe(`deactivation PATCH through the ${accountTransport} account client`, () => {
    let sys: TestSystem;
    const calls: string[] = [];
    before(async () => {
      sys = await startTestSystem({
        accountTransport,
        wrapAccountClient: (client: AccountClient) =>
          new Proxy(client, {
            get(target, property, receiver) {
              const original = Reflect.get(target, property, receiver);
              if (typeof original !== 'function') return original;
              return (...args: unknown[]) => {
                calls.push(String(property));
                return original.apply(target, args);
              };
            },
          }),
      });
    });
    after(() => sys.close());

    let n = 0;
    async function createUser(): Promise<{ id: string; name: string; etag: string }> {
      const name = `user-${accountTransport}-${++n}`;
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `${name}@example.com`,
        emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
        displayName: 'Twin',
        active: true,
      });
      assert.equal(created.status, 201, created.text);
      return { id: created.body.id, name, etag: created.headers.get('etag')! };
    }

    /** The answer with the user's own id and name replaced, and creation times dropped. */
    function comparable(answer: ScimResponse, user: { id: string; name: string }) {
      const text = answer.text.replaceAll(user.id, '<id>').replaceAll(user.name, '<name>');
      const body = text === '' ? undefined : JSON.parse(text);
      if (body?.meta) {
        delete body.meta.created;
        delete body.meta.lastModified;
      }
      return {
        status: answer.status,
        etag: answer.headers.get('etag'),
        location: answer.headers.get('location')?.replaceAll(user.id, '<id>'),
        body,
      };
    }

    async function run(step: Step, user: { id: string; etag: string }, operations: unknown[]) {
      const headers: Record<string, string> = {};
      if (step.ifMatch === 'current') headers['if-match'] = user.etag;
      if (step.ifMatch === 'stale') headers['if-match'] = 'W/"999"';
      if (step.ifMatch === 'malformed') headers['if-match'] = 'W/unquoted';
      if (step.ifMatch === 'several') headers['if-match'] = `W/"999", ${user.etag}`;
      // A version past what the account counts to: still a plain stale tag.
      if (step.ifMatch === 'huge') headers['if-match'] = 'W/"9999999999999999"';
      const answer = await sys.scim(
        'PATCH',
        `/Users/${user.id}${step.query ?? ''}`,
        patch(...operations),
        headers,
      );
      const etag = answer.headers.get('etag');
      if (answer.status === 200 && etag) user.etag = etag;
      return answer;
    }

    async function records(id: string) {
      const member = (await sys.store.getMember(id))!;
      const activity = (await sys.store.listActivity({ limit: 1000 })).filter((a) => a.targetId === id);
      const mail = (await sys.store.listMail({ limit: 1000 })).filter((m) => m.data.memberId === id);
      return {
        state: member.state,
        version: member.version,
        suspended: member.suspendedAt !== null,
        actions: activity.map((a) => a.action).reverse(),
        mail: mail.map((m) => m.template).reverse(),
      };
    }

    for (const { name, steps } of scenarios) {
      test(name, async () => {
        const one = await createUser();
        const twin = await createUser();
        for (const step of steps) {
          calls.length = 0;
          const answer = await run(step, one, [fast[step.op]]);
          const oneCalls = calls.slice();
          const expected = await run(step, twin, reference(fast[step.op]));
          assert.deepEqual(comparable(answer, one), comparable(expected, twin), `${step.op} ${answer.text}`);
          if (step.op !== 'bad' && !['malformed', 'several', 'huge'].includes(step.ifMatch ?? '')) {
            // One account call for the change, none to read the user first.
            assert.ok(oneCalls.includes('setMemberActive'), oneCalls.join());
            assert.ok(!oneCalls.includes('getMember') && !oneCalls.includes('updateMember'), oneCalls.join());
          }
        }
        assert.deepEqual(await records(one.id), await records(twin.id));
      });
    }

    test('reactivated after the IdP changed the address while suspended: a new person either way (P15)', async () => {
      const one = await createUser();
      const twin = await createUser();
      for (const [user, on] of [
        [one, [fast.oktaOn]],
        [twin, reference(fast.oktaOn)],
      ] as const) {
        await run({ op: 'oktaOff' }, user, [fast.oktaOff]);
        const moved = await sys.scim('PUT', `/Users/${user.id}`, {
          schemas: [USER_SCHEMA],
          userName: `${user.name}@example.com`,
          emails: [{ value: `${user.name}.new@example.com`, type: 'work', primary: true }],
          displayName: 'Twin',
          active: false,
        });
        assert.equal(moved.status, 200, moved.text);
        assert.equal((await sys.store.getMember(user.id))!.email, `${user.name}@example.com`);
        const back = await run({ op: 'oktaOn' }, user, [...on]);
        assert.equal(back.status, 200, back.text);
      }
      for (const user of [one, twin]) {
        const fresh = (await sys.store.getMember(user.id))!;
        assert.deepEqual([fresh.email, fresh.state], [`${user.name}.new@example.com`, 'invited']);
        const previous = (await sys.store.findMemberByEmail(`${user.name}@example.com`))!;
        assert.notEqual(previous.id, user.id);
        assert.equal(previous.state, 'suspended');
      }
      assert.deepEqual(await records(one.id), await records(twin.id));
    });

    test('an unknown user is 404 either way, before a bad value is looked at', async () => {
      for (const op of [fast.entraOff, fast.bad]) {
        const missing = await sys.scim('PATCH', '/Users/nobody', patch(op));
        const expected = await sys.scim('PATCH', '/Users/nobody', patch(...reference(op)));
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.body, expected.body);
      }
    });
  });
}
