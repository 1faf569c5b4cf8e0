/** The account API names its release on every answer and refuses a bridge of a release too far apart (issue 13). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RELEASE_HEADER } from '../../src/account/api/release-compat.ts';
import { VERSION } from '../../src/version.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem({ accountTransport: 'http' });
});
after(() => sys?.close());

const challenge = (headers: Record<string, string>) =>
  fetch(`${sys.system.accountAddress}/api/v1/sign-in/challenge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ keyId: 'k' }),
  });

test('a bridge two minor releases away is refused with both releases named; nothing else runs', async () => {
  const [major, minor] = VERSION.split('.').map(Number);
  const far = `${major}.${minor! + 2}.0`;
  const refused = await challenge({ [RELEASE_HEADER]: far });
  assert.equal(refused.status, 409);
  assert.equal(refused.headers.get(RELEASE_HEADER), VERSION);
  assert.deepEqual(await refused.json(), {
    code: 'release_mismatch',
    message: `this account server runs scimbridge ${VERSION} and the bridge ${far}: they work together only within one minor release; upgrade the account server`,
  });
  const garbage = await challenge({ [RELEASE_HEADER]: 'latest' });
  assert.equal(garbage.status, 409);
  await garbage.text();
});

test('a bridge of this release, one minor release away, or from before the header is served', async () => {
  const [major, minor] = VERSION.split('.').map(Number);
  const cases: Array<Record<string, string>> = [
    { [RELEASE_HEADER]: VERSION },
    { [RELEASE_HEADER]: `${major}.${minor! + 1}.3` },
    {},
  ];
  for (const headers of cases) {
    const answered = await challenge(headers);
    assert.notEqual(answered.status, 409, JSON.stringify(headers));
    assert.equal(answered.headers.get(RELEASE_HEADER), VERSION);
    await answered.text();
  }
  // The one-process system's own bridge talks over the API: it sends this release and is served.
  const listed = await sys.scim('GET', '/Users?count=1');
  assert.equal(listed.status, 200);
});
