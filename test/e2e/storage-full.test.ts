/**
 * A full disk, for real: the SQLite data directory sits on a small tmpfs that the test
 * fills. Writes are answered 503 with
 * Retry-After (a SCIM error from the bridge, an API error from the account API), the log says
 * why, nothing is half-written, and once space is back the same request succeeds. (A
 * read-only database is src/account/storage-failure.test.ts: a tmpfs cannot be remounted
 * read-only while the database is open on it.)
 *
 * Mounting needs root (CI runs as root in its container); elsewhere the test is skipped.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ERROR_SCHEMA, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

function tryMount(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fills the file system with one file until it is full; returns the file. */
async function fill(dir: string): Promise<string> {
  const filler = path.join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  const handle = await open(filler, 'w');
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    await handle.close().catch(() => undefined);
  }
  return filler;
}

for (const transport of ['in-process', 'http'] as const) {
  describe(`a database that cannot be written (${transport})`, () => {
    let mountPoint: string;
    let mounted = false;
    let sys: TestSystem | undefined;

    before(async () => {
      mountPoint = await mkdtemp(path.join(tmpdir(), 'scimbridge-full-'));
      mounted = tryMount(mountPoint);
      if (mounted) sys = await startTestSystem({ dataDir: mountPoint, accountTransport: transport });
    });
    after(async () => {
      await sys?.close();
      if (mounted) execFileSync('umount', [mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    });

    const user = (name: string) => ({
      schemas: [USER_SCHEMA],
      userName: `${name}@example.com`,
      // A large profile so that the write needs new pages however much the WAL has spare.
      title: 'x'.repeat(2000),
      nickName: 'y'.repeat(2000),
    });

    async function counts(s: TestSystem) {
      const list = await s.scim('GET', '/Users?count=0');
      return {
        users: list.body.totalResults as number,
        mail: (await s.store.listMail({ limit: 1000 })).length,
      };
    }

    test('disk full: 503 with Retry-After and nothing written; then it works again', async (t) => {
      if (!sys) return t.skip('needs root to mount a small tmpfs');
      const s = sys;
      assert.equal((await s.scim('POST', '/Users', user('before'))).status, 201);
      const start = await counts(s);
      const filler = await fill(mountPoint);
      let refused = 0;
      for (let i = 0; i < 20; i++) {
        const answer = await s.scim('POST', '/Users', user(`full-${i}`));
        if (answer.status === 201) continue; // the WAL still had room for this one
        assert.equal(answer.status, 503, answer.text);
        assert.deepEqual(answer.body.schemas, [ERROR_SCHEMA]);
        assert.equal(answer.headers.get('retry-after'), '30');
        assert.match(answer.body.detail, /disk is full|cannot be written/);
        refused++;
        const after = await counts(s);
        // Nothing half-written: no member without its invitation, no invitation without its member.
        assert.equal(after.users - start.users, after.mail - start.mail);
        break;
      }
      assert.equal(refused, 1, 'a write was refused once the disk filled');
      assert.ok(
        s.logLines.some((line) => /SQLITE_FULL|disk is full/.test(line)),
        'the log says why',
      );
      await rm(filler);
      const again = await s.scim('POST', '/Users', user('after'));
      assert.equal(again.status, 201, again.text);
      const end = await counts(s);
      assert.equal(end.users - start.users, end.mail - start.mail);
    });
  });
}
