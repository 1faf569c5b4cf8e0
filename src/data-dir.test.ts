/** The data directory's modes (issue 12): private whatever the umask, checked at start. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loggerInto } from '../test/support/log-lines.ts';
import { loadConfig } from './config.ts';
import { checkDataDir } from './data-dir.ts';
import { startAccountService } from './main.ts';
import { openStore } from './storage/open-store.ts';

const config = (dataDir: string) =>
  loadConfig({ SCIMBRIDGE_DATA_DIR: dataDir, SCIMBRIDGE_CONSOLE_PORT: '0', SCIMBRIDGE_LOG_LEVEL: 'info' });

describe('data directory modes', () => {
  test('the database, its WAL and shared memory, and the outbox key are made private under umask 0', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'datadir-'));
    const previous = process.umask(0);
    try {
      const dataDir = path.join(root, 'nested', 'data');
      const lines: string[] = [];
      const account = await startAccountService(config(dataDir), { logger: loggerInto(lines) });
      try {
        // A write, so the WAL and shared-memory files exist.
        await account.store.setNotificationRecipients(['ops@example.com']);
        assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
        const files = await readdir(dataDir);
        for (const name of ['scimbridge.db', 'scimbridge.db-wal', 'scimbridge.db-shm', 'outbox.key']) {
          assert.ok(files.includes(name), name);
        }
        for (const name of files) {
          assert.equal(((await stat(path.join(dataDir, name))).mode & 0o777).toString(8), '600', name);
        }
        assert.ok(lines.some((line) => line.includes('made the outbox key')));
      } finally {
        await account.close();
      }
      // The CLI's way in (openStore) makes them private too.
      const cliDir = path.join(root, 'cli');
      const store = await openStore({ dataDir: cliDir });
      await store.close();
      assert.equal((await stat(cliDir)).mode & 0o777, 0o700);
      assert.equal((await stat(path.join(cliDir, 'scimbridge.db'))).mode & 0o777, 0o600);
    } finally {
      process.umask(previous);
      await rm(root, { recursive: true, force: true });
    }
  });

  test('start warns about files others may read, and refuses what others may write or a readable outbox key', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'datadir-'));
    try {
      const first = await startAccountService(config(dataDir), { logger: loggerInto([]) });
      await first.close();

      // Readable by others (an older version's 0755/0644): a warning naming the fix; start goes on.
      await chmod(dataDir, 0o755);
      await chmod(path.join(dataDir, 'scimbridge.db'), 0o644);
      const lines: string[] = [];
      const second = await startAccountService(config(dataDir), { logger: loggerInto(lines) });
      await second.close();
      const warnings = lines.map((line) => JSON.parse(line)).filter((line) => line.level === 40);
      assert.ok(
        warnings.some(
          (line) =>
            line.msg ===
            `the data directory ${dataDir} is open to other users (mode 0755); run: chmod 700 ${dataDir}`,
        ),
      );
      const db = path.join(dataDir, 'scimbridge.db');
      assert.ok(
        warnings.some(
          (line) => line.msg === `${db} is open to other users (mode 0644); run: chmod 600 ${db}`,
        ),
      );

      // The outbox key readable by others, or anything writable by others: refused, one line with the fix.
      const key = path.join(dataDir, 'outbox.key');
      await chmod(key, 0o644);
      await assert.rejects(startAccountService(config(dataDir), { logger: loggerInto([]) }), {
        name: 'ConfigError',
        message: `${key} is readable by other users (mode 0644); run: chmod 600 ${key}`,
      });
      await chmod(key, 0o600);
      await chmod(dataDir, 0o777);
      await assert.rejects(
        startAccountService(config(dataDir), { logger: loggerInto([]) }),
        /is writable by other users \(mode 0777\); run: chmod 700/,
      );
      await chmod(dataDir, 0o700);
      await writeFile(path.join(dataDir, 'stray'), 'x', { mode: 0o666 });
      await chmod(path.join(dataDir, 'stray'), 0o666);
      // Group access (a Kubernetes fsGroup volume) only warns, even for the key and a group-writable directory.
      await chmod(dataDir, 0o2770);
      await chmod(key, 0o660);
      assert.deepEqual(
        checkDataDir(dataDir)
          .map((finding) => [path.basename(finding.path), finding.severity])
          .sort(),
        [
          [path.basename(dataDir), 'warning'],
          ['outbox.key', 'warning'],
          ['scimbridge.db', 'warning'],
          ['stray', 'refusal'],
        ],
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
