/**
 * The key chain end to end over HTTP (P10, DESIGN.md "the key chain"), on both databases:
 * the IdP creates people and groups, the people sign up (created directly as pending with a
 * real key pair), the bridge's watcher confirms them, and each member opens exactly the
 * vaults of their groups — then loses one when the IdP removes them from its group.
 * And the database alone never opens a vault key.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createVault } from '../../src/account/vaults.ts';
import { memberVaults, VaultCommandError } from '../../src/cli/commands/vaults.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { openSession, type SessionFile } from '../../src/crypto/credentials/session-file.ts';
import { parseToken } from '../../src/crypto/credentials/token.ts';
import { type Bytes, base64UrlToBytes, bytesToBase64Url } from '../../src/crypto/encoding.ts';
import {
  importGroupPrivateKey,
  openGroupPrivateKey,
  openVaultKey,
  PROVISIONING_RECIPIENT,
} from '../../src/crypto/key-chain.ts';
import { importPrivateKey } from '../../src/crypto/keys.ts';
import { needsPostgres } from '../support/requirements.ts';
import { signUp, TEST_PASSWORD } from '../support/sign-up.ts';
import {
  GROUP_SCHEMA,
  patch,
  startTestSystem,
  TEST_DATABASE_URL,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const PASSWORD = TEST_PASSWORD;

/** Every value of every column of every table, as text. */
async function dumpDatabase(sys: TestSystem): Promise<string[]> {
  const values: string[] = [];
  const collect = (row: Record<string, unknown>) => {
    for (const value of Object.values(row)) {
      if (value === null || value === undefined) continue;
      values.push(typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  };
  if (sys.schema === undefined) {
    const db = new Database(path.join(sys.dataDir, 'scimbridge.db'), { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
        name: string;
      }>;
      for (const { name } of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
          collect(row);
        }
      }
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
        [sys.schema],
      );
      for (const { table_name } of tables) {
        const { rows } = await client.query(`SELECT * FROM ${sys.schema}."${table_name}"`);
        for (const row of rows) collect(row);
      }
    } finally {
      await client.end();
    }
  }
  return values;
}

/** Every run of base64url characters in the dump that decodes to 32 or 48 bytes: anything that could be a key. */
function keyCandidates(values: readonly string[]): Bytes[] {
  const found = new Map<string, Bytes>();
  for (const value of values) {
    for (const run of value.match(/[A-Za-z0-9_-]{40,}/g) ?? []) {
      for (const length of [32, 48]) {
        const chars = Math.ceil((length * 4) / 3);
        for (let start = 0; start + chars <= run.length; start++) {
          const slice = run.slice(start, start + chars);
          try {
            const bytes = base64UrlToBytes(slice);
            if (bytes.length === length) found.set(slice, bytes);
          } catch {
            // not canonical at this offset
          }
        }
      }
    }
  }
  return [...found.values()];
}

// Both databases in process, and once with the bridge reaching the account over the account API.
const setups = [
  { db: 'sqlite', accountTransport: 'in-process' },
  { db: 'postgres', accountTransport: 'in-process' },
  { db: 'sqlite', accountTransport: 'http' },
] as const;

for (const { db, accountTransport } of setups) {
  const needs = db === 'postgres' ? needsPostgres : {};
  describe(`key chain end to end (${db}, ${accountTransport})`, needs, () => {
    let sys: TestSystem;
    const ids: Record<string, string> = {};

    before(async () => {
      sys = await startTestSystem({ db, accountTransport });
    });
    after(async () => {
      await sys?.close();
    });

    const createUser = async (name: string) => {
      const res = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `${name}@example.com`,
        emails: [{ value: `${name}@example.com`, primary: true }],
        displayName: name,
      });
      assert.equal(res.status, 201, res.text);
      ids[name] = res.body.id;
      return res.body.id as string;
    };
    const createGroup = async (name: string, members: string[]) => {
      const res = await sys.scim('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: name,
        members: members.map((value) => ({ value })),
      });
      assert.equal(res.status, 201, res.text);
      ids[name] = res.body.id;
      return res.body.id as string;
    };
    const vaultNames = async (name: string, password = PASSWORD) =>
      (await memberVaults(sys.store, `${name}@example.com`, password)).map((vault) => vault.name).sort();

    test('before a valid token the watcher waits; the first IdP request starts it', async () => {
      assert.equal(sys.system.watcher.watcherStatus().state, 'waiting_for_token');
      await createUser('ana');
      assert.notEqual(sys.system.watcher.watcherStatus().state, 'waiting_for_token');
    });

    test('a group the IdP creates gets a key pair at once, sealed for the provisioning key', async () => {
      await createUser('ben');
      for (const name of ['Finance', 'Design', 'Legal', 'Ops']) await createGroup(name, []);
      const keys = await sys.store.getGroupKeys([ids.Finance!, ids.Design!, ids.Legal!, ids.Ops!]);
      assert.equal(keys.length, 4);
      for (const key of keys) assert.match(key.sealedForProvisioning ?? '', /^sbs1\./);
    });

    test('pending members in groups are confirmed by the watcher: shares, active, one "account ready" mail', async () => {
      const patchMembers = (group: string, members: string[]) =>
        sys.scim(
          'PATCH',
          `/Groups/${ids[group]}`,
          patch({ op: 'add', path: 'members', value: members.map((value) => ({ value })) }),
        );
      for (const group of ['Finance', 'Design', 'Legal'])
        assert.equal((await patchMembers(group, [ids.ana!])).status, 204);
      assert.equal((await patchMembers('Ops', [ids.ben!])).status, 204);
      await signUp(sys.store, ids.ana!);
      await signUp(sys.store, ids.ben!);

      const summary = await sys.system.watcher.runNow();
      assert.equal(summary.confirmed, 2);
      assert.equal(summary.failed, 0);
      const ana = (await sys.store.getMember(ids.ana!))!;
      assert.equal(ana.state, 'active');
      assert.ok(ana.confirmedAt);
      // Finance, Design, Legal and Team Members.
      assert.deepEqual(
        (await sys.store.listGroupKeySharesOfMember(ids.ana!)).map((share) => share.displayName).sort(),
        ['Design', 'Finance', 'Legal', 'Team Members'],
      );
      const ready = (await sys.store.listMail({ limit: 50 })).filter(
        (mail) => mail.template === 'account_ready',
      );
      assert.deepEqual(ready.map((mail) => mail.to).sort(), ['ana@example.com', 'ben@example.com']);
      const anaMail = ready.find((mail) => mail.to === 'ana@example.com')!;
      assert.equal(anaMail.data.memberId, ids.ana);
      assert.equal(anaMail.data.displayName, 'ana');
      assert.equal(typeof anaMail.data.accountName, 'string');
      assert.match(sys.mailLink(anaMail), /^http/);

      // Confirming again does nothing: no second mail.
      assert.equal((await sys.system.watcher.runNow()).confirmed, 0);
      assert.equal(
        (await sys.store.listMail({ limit: 50 })).filter((mail) => mail.template === 'account_ready').length,
        2,
      );
      const line = sys.logLines.find((text) => text.includes('"provision watcher run"'));
      assert.ok(line);
      assert.match(line!, /"confirmed":\d+.*"failed":\d+.*"ms":\d+/);
    });

    test('a member in three groups opens exactly those groups\u2019 vaults', async () => {
      const deps = { store: sys.store, clock: systemClock, ids: randomIds };
      for (const group of ['Finance', 'Design', 'Legal', 'Ops']) {
        await createVault(deps, { name: `${group} vault`, groups: [group] });
      }
      await createVault(deps, { name: 'Everyone', groups: ['Team Members'] });
      assert.deepEqual(await vaultNames('ana'), ['Design vault', 'Everyone', 'Finance vault', 'Legal vault']);
      assert.deepEqual(await vaultNames('ben'), ['Everyone', 'Ops vault']);
    });

    test('a wrong password opens nothing and says so', async () => {
      await assert.rejects(
        memberVaults(sys.store, 'ana@example.com', 'not the password'),
        (error: unknown) => error instanceof VaultCommandError && /password is wrong/.test(error.message),
      );
      await assert.rejects(memberVaults(sys.store, 'nobody@example.com', PASSWORD), /no member/);
    });

    test('removed from a group over SCIM: that vault no longer opens for them', async () => {
      const res = await sys.scim(
        'PATCH',
        `/Groups/${ids.Design}`,
        patch({ op: 'remove', path: `members[value eq "${ids.ana}"]` }),
      );
      assert.equal(res.status, 204, res.text);
      assert.deepEqual(await vaultNames('ana'), ['Everyone', 'Finance vault', 'Legal vault']);
    });

    test('the IdP cannot delete the only group that opens a vault; nothing is lost', async () => {
      const refused = await sys.scim('DELETE', `/Groups/${ids.Legal}`);
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.body.detail, /only group that can open the vault "Legal vault"/);
      assert.ok(await sys.store.getGroup(ids.Legal!));
      assert.ok((await vaultNames('ana')).includes('Legal vault'));
      // A group that opens no vault alone goes as before.
      const spare = await createGroup('Spare', [ids.ana!]);
      assert.equal((await sys.scim('DELETE', `/Groups/${spare}`)).status, 204);
      assert.equal(await sys.store.getGroup(spare), undefined);
    });

    test('a confirmed member added to a group gets its key in the same request', async () => {
      const put = await sys.scim('PUT', `/Groups/${ids.Ops}`, {
        schemas: [GROUP_SCHEMA],
        displayName: 'Ops',
        members: [{ value: ids.ben }, { value: ids.ana }],
      });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(await vaultNames('ana'), ['Everyone', 'Finance vault', 'Legal vault', 'Ops vault']);
      // A group created with a confirmed member: key pair and share at once.
      await createGroup('Board', [ids.ben!]);
      await createVault(
        { store: sys.store, clock: systemClock, ids: randomIds },
        { name: 'Board vault', groups: ['Board'] },
      );
      assert.deepEqual(await vaultNames('ben'), ['Board vault', 'Everyone', 'Ops vault']);
    });

    test('a pending member without a key is reported, and not retried at once', async () => {
      const id = await createUser('cleo');
      const member = (await sys.store.getMember(id))!;
      await sys.store.updateMember(
        { ...member, state: 'pending', version: member.version + 1 },
        member.version,
      );
      const first = await sys.system.watcher.runNow();
      assert.equal(first.failed, 1);
      const [failure] = sys.system.watcher.watcherStatus().failures;
      assert.equal(failure?.email, 'cleo@example.com');
      assert.match(failure!.reason, /no public key/);
      const second = await sys.system.watcher.runNow();
      assert.equal(second.failed, 0, 'backed off: not tried again in the next run');
      assert.equal(sys.system.watcher.watcherStatus().failures.length, 1);
    });

    test('a pending guest is reported, never confirmed by the watcher (P16)', async () => {
      const id = await createUser('gwen');
      await signUp(sys.store, id);
      const member = (await sys.store.getMember(id))!;
      await sys.store.updateMember({ ...member, role: 'guest', version: member.version + 1 }, member.version);
      const run = await sys.system.watcher.runNow();
      assert.equal(run.confirmed, 0);
      const failure = sys.system.watcher.watcherStatus().failures.find((entry) => entry.memberId === id);
      assert.match(failure?.reason ?? '', /is a guest/);
      assert.equal((await sys.store.getMember(id))?.state, 'pending');
    });

    test('the database alone never opens a vault key; the password or the token does', async () => {
      const values = await dumpDatabase(sys);
      const opened = await memberVaults(sys.store, 'ana@example.com', PASSWORD);
      const vaultKeys = opened.map((vault) => bytesToBase64Url(vault.key));
      assert.ok(vaultKeys.length >= 3);
      // No column holds a vault key, whole or inside a larger value.
      for (const value of values) for (const key of vaultKeys) assert.ok(!value.includes(key));

      // No key-sized value from the database opens any grant or any share, used as a private key.
      const candidates = keyCandidates(values);
      assert.ok(candidates.length > 10, 'the dump holds public keys and sealed values to try');
      const groupKeys = await sys.store.getGroupKeys(Object.values(ids));
      const grants = [];
      for (const vault of opened)
        for (const grant of await sys.store.listVaultGrants(vault.vaultId)) grants.push(grant);
      const publicKeyOf = new Map(groupKeys.map((key) => [key.groupId, key.publicKey]));
      const X25519_PKCS8_HEADER = '302e020100300506032b656e04220420';
      let tried = 0;
      for (const candidate of candidates) {
        const pkcs8 =
          candidate.length === 32
            ? new Uint8Array([...Buffer.from(X25519_PKCS8_HEADER, 'hex'), ...candidate])
            : candidate;
        let privateKey: CryptoKey;
        try {
          privateKey = await importGroupPrivateKey(pkcs8 as Bytes);
        } catch {
          continue;
        }
        for (const grant of grants) {
          tried++;
          await assert.rejects(
            openVaultKey(grant.vaultId, grant.sealedVaultKey, privateKey, {
              id: grant.groupId,
              publicKey: publicKeyOf.get(grant.groupId) ?? '',
            }),
          );
        }
      }
      assert.ok(tried > 0);

      // The bridge's token opens the session file, the provisioning key opens Team Members' key, and that the vault.
      const session: SessionFile = JSON.parse(
        await (await import('node:fs/promises')).readFile(path.join(sys.dataDir, 'scimsession'), 'utf8'),
      );
      const parsed = parseToken(sys.token);
      assert.ok(parsed.ok);
      const secrets = (await openSession(session, parsed.token.bytes))!;
      const integration = (await sys.store.getIntegration())!;
      const provisioning = await importPrivateKey('X25519', secrets.provisioningPrivateKey);
      const teamMembers = (await sys.store.findGroupByKind('team_members'))!;
      const [teamKey] = await sys.store.getGroupKeys([teamMembers.id]);
      const groupPrivate = await openGroupPrivateKey(
        teamMembers.id,
        teamKey!.sealedForProvisioning!,
        provisioning,
        {
          id: PROVISIONING_RECIPIENT,
          publicKey: integration.provisioningPublicKey,
        },
      );
      const everyone = opened.find((vault) => vault.name === 'Everyone')!;
      const [grant] = await sys.store.listVaultGrants(everyone.vaultId);
      const viaToken = await openVaultKey(
        everyone.vaultId,
        grant!.sealedVaultKey,
        await importGroupPrivateKey(groupPrivate),
        {
          id: teamMembers.id,
          publicKey: teamKey!.publicKey,
        },
      );
      assert.deepEqual(viaToken, everyone.key);
    });
  });
}
