/**
 * Database-file guard (issue 12): a copy of the database opens nothing. After a small run —
 * members created with no SMTP server (their invitations stay queued), an e-mail change,
 * provisioning set up, a monitoring token, a member who signed up and signed in — the test
 * reads the SQLite files as any local user who can read them would (raw bytes, WAL
 * included), picks out every string shaped like a token, a link or a key, and tries each
 * against the running servers: as a bearer token, an account API session, a member
 * session, a sign-up link and an e-mail change link. None may open anything.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { digestSecretToken, newSecretToken } from '../../src/account/secret-token.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { signUp } from '../support/sign-up.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

/** Anything that could be a credential: prefixed tokens, links, and 43-character base64url values (256 bits). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: a link ends at a control character.
const CANDIDATE = /sb[a-z]_[A-Za-z0-9_-]{20,}|https?:\/\/[^\s"'<>\\\u0000-\u001f]+|[A-Za-z0-9_-]{43}/g;

let addressCounter = 0;
const nextAddress = () => {
  addressCounter++;
  return `203.0.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
};

describe('a copy of the database', () => {
  let sys: TestSystem;
  let candidates: string[];

  before(async () => {
    sys = await startTestSystem({ env: { SCIMBRIDGE_TRUST_PROXY: 'true' } });
    const deps = { store: sys.store, clock: systemClock, ids: randomIds };
    const ids: string[] = [];
    for (const name of ['ada', 'grace', 'edsger']) {
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `${name}@example.com`,
      });
      assert.equal(created.status, 201, created.text);
      ids.push(created.body.id);
    }
    // An e-mail change waits for the member to accept it from a link.
    const changed = await sys.scim('PUT', `/Users/${ids[0]}`, {
      schemas: [USER_SCHEMA],
      userName: 'ada@example.com',
      emails: [{ value: 'ada.new@example.com', primary: true }],
    });
    assert.equal(changed.status, 200, changed.text);
    // A member who signed up and holds a session; a monitoring token.
    await signUp(sys.store, ids[1]!);
    const session = newSecretToken();
    const now = new Date();
    await sys.store.insertMemberSession({
      tokenHash: digestSecretToken(session),
      memberId: ids[1]!,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
    });
    const monitoring = await createMonitoringToken(deps, 'guard');
    sys.secrets.add(session);
    sys.secrets.add(monitoring.token);
    // The bridge signs in to itself as IdPs make it: the key chain is in use.
    assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);

    // What another local user reads: the database file and its WAL, byte by byte.
    const found = new Set<string>();
    for (const name of await readdir(sys.dataDir)) {
      if (!name.startsWith('scimbridge.db')) continue;
      const text = (await readFile(path.join(sys.dataDir, name))).toString('latin1');
      for (const match of text.matchAll(CANDIDATE)) found.add(match[0]);
    }
    candidates = [...found];
  });
  after(async () => {
    await sys.close();
  });

  type Probe = { kind: 'link' | 'credential'; name: string; url: string; init: RequestInit };

  /** Every way a string from the file could be used. */
  function probesFor(candidate: string): Probe[] {
    const bridge = sys.system.bridgeAddress;
    const account = sys.system.accountAddress;
    const probes: Probe[] = [];
    const bearer = (name: string, url: string) =>
      probes.push({
        kind: 'credential',
        name,
        url,
        init: { headers: { authorization: `Bearer ${candidate}` } },
      });
    if (!candidate.startsWith('http')) {
      bearer('SCIM bearer token', `${bridge}/scim/v2/Users?count=1`);
      bearer('bridge /health', `${bridge}/health`);
      bearer('bridge /logs', `${bridge}/logs`);
      bearer('account /metrics', `${account}/metrics`);
      bearer('account API session', `${account}/api/v1/sign-ups/count`);
      probes.push({
        kind: 'credential',
        name: 'member session',
        url: `${account}/member/key-ring`,
        init: { headers: { cookie: `scimbridge_member=${candidate}` } },
      });
      probes.push({
        kind: 'credential',
        name: 'status-page sign-in',
        url: `${bridge}/signin`,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: bridge },
          body: new URLSearchParams({ token: candidate }).toString(),
          redirect: 'manual',
        },
      });
      probes.push({ kind: 'link', name: 'sign-up link', url: `${account}/signup/${candidate}`, init: {} });
      probes.push({
        kind: 'link',
        name: 'e-mail change link',
        url: `${account}/email-change/${candidate}`,
        init: {},
      });
    } else {
      // A link as stored: its path on this account server.
      let pathname: string;
      try {
        pathname = new URL(candidate).pathname;
      } catch {
        return [];
      }
      if (/\/(signup|email-change)\/./.test(pathname)) {
        probes.push({ kind: 'link', name: 'stored link', url: `${account}${pathname}`, init: {} });
      }
    }
    return probes;
  }

  /** Whether an answer let the holder in: a sign-up page, an accepted session, a status-page cookie. */
  function opened(probe: Probe, response: Response): boolean {
    if (probe.name === 'status-page sign-in')
      return (response.headers.get('set-cookie') ?? '').includes('=') && response.status < 400;
    return response.status === 200;
  }

  async function opening(kind: Probe['kind']): Promise<string[]> {
    const opens: string[] = [];
    for (const candidate of candidates) {
      for (const probe of probesFor(candidate).filter((p) => p.kind === kind)) {
        const headers = new Headers(probe.init.headers);
        headers.set('x-forwarded-for', nextAddress());
        const response = await fetch(probe.url, { ...probe.init, headers, redirect: 'manual' });
        await response.arrayBuffer();
        // Name the kind of string and what it opened; never the string itself.
        if (opened(probe, response))
          opens.push(`${candidate.slice(0, 4)}… (${candidate.length} chars) opens ${probe.name}`);
      }
    }
    return opens;
  }

  test('the file does hold the run: members, keys and queued mail are there to be found', () => {
    assert.ok(candidates.length > 10, `only ${candidates.length} candidate strings found`);
  });

  test('no string in it works as a bearer token, API session, monitoring token or member session', async () => {
    assert.deepEqual(await opening('credential'), []);
  });

  test('no string in it opens a sign-up or e-mail change page', async () => {
    assert.deepEqual(await opening('link'), []);
  });
});
