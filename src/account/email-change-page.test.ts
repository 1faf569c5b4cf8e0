import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { createMember } from './create-member.ts';
import { registerEmailChangePages } from './email-change-page.ts';
import { updateMember } from './update-member.ts';

let f: Fixture;
let app: FastifyInstance;
beforeEach(async () => {
  f = await openFixture();
  app = Fastify();
});
afterEach(async () => {
  await app.close();
  await f.close();
});

test('works beside a form parser another page registered first (URLSearchParams bodies)', async () => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, new URLSearchParams(String(body))),
  );
  await registerEmailChangePages(app, f.deps);
  await app.ready();

  const input = memberInput();
  const member = await createMember(f.deps, input);
  await updateMember(f.deps, member.id, { ...input, email: 'grace@elsewhere.test' });
  const link = String((await f.mail()).at(-1)!.data.link);
  const url = new URL(link).pathname;
  const shown = await app.inject({ method: 'GET', url });
  assert.equal(shown.statusCode, 200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(shown.body)![1]!;
  const cookie = String(shown.headers['set-cookie']).split(';')[0]!;
  const accepted = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: `csrf=${csrf}`,
  });
  assert.equal(accepted.statusCode, 200, accepted.body);
  assert.equal((await f.deps.store.getMember(member.id))!.email, 'grace@elsewhere.test');
});
