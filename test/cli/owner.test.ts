/**
 * `scimbridge owner setup-link` against the database a running system uses: a fresh link
 * replaces the one printed at the first start, the owner sets up with it (with the same
 * crypto as the page), and afterwards the command refuses, saying to sign in instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { localLink } from '../support/console.ts';
import { execCliOn, startTestSystem, type TestSystem } from '../support/system.ts';

let sys: TestSystem;

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
});
after(() => sys?.close());

const cli = (...args: string[]) => execCliOn(sys, ...args);

describe('scimbridge owner setup-link', () => {
  test("prints a new link that works once; the first start's link stops working", async () => {
    const first = localLink(sys.system.ownerSetupLink!, sys.system.accountAddress);
    const run = await cli('owner', 'setup-link');
    assert.equal(run.code, 0, run.stderr);
    const link = /(http\S+\/signup\/\S+)/.exec(run.stdout)?.[1];
    assert.ok(link, run.stdout);
    sys.secrets.add(link.split('/').pop()!);
    assert.match(run.stdout, /set up the owner owner@example\.com/);

    assert.equal((await fetch(first, { headers: { accept: 'text/html' } })).status, 410);
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Set up My Team/);

    await runMemberSignup({ link, password: 'the owner password, long' });
    const owner = (await sys.store.findMemberByEmail('owner@example.com'))!;
    assert.equal(owner.state, 'pending');

    const refused = await cli('owner', 'setup-link');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has already set a password; sign in at http:\/\/127\.0\.0\.1:\d+\//);
  });
});
