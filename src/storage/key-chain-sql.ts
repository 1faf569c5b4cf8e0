// The key chain (migration 4): SQLite passes lists as JSON (`json_each`), PostgreSQL as arrays.
import type { GroupKeyShare } from '../account/model.ts';
import type { KeyedGroupRef, PendingMemberRow } from '../account/store.ts';
import { append, bool, GROUP_KEY, MEMBER, type Row, text, VAULT, VAULT_GRANT } from './rows.ts';

const prefixed = (alias: string, columns: string): string =>
  columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');

/** SQL for one dialect; `ids` is the condition "x is one of the values of one parameter". */
export function keyChainSql(dialect: 'sqlite' | 'postgres') {
  const oneOf = (column: string): string =>
    dialect === 'sqlite' ? `${column} IN (SELECT value FROM json_each(?))` : `${column} = ANY(?::text[])`;
  /** `bridgeMayHoldKey` (key-chain-rules.ts) over the groups row `g`. */
  const bridgeHolds = "(g.kind = 'team_members' OR (g.kind = 'custom' AND g.managed = TRUE))";
  const missingShares =
    'SELECT gm.group_id, gm.member_id, mk.public_key AS member_public_key FROM group_members gm ' +
    'JOIN group_keys gk ON gk.group_id = gm.group_id AND gk.sealed_for_provisioning IS NOT NULL ' +
    `JOIN groups g ON g.id = gm.group_id AND ${bridgeHolds} ` +
    "JOIN members m ON m.id = gm.member_id AND m.state = 'active' " +
    'JOIN member_keys mk ON mk.member_id = gm.member_id ' +
    'LEFT JOIN group_key_shares s ON s.group_id = gm.group_id AND s.member_id = gm.member_id ' +
    'WHERE s.member_id IS NULL';
  // Named index: without statistics SQLite picked the (state, e-mail) index and sorted everyone.
  const pendingMembers =
    `SELECT ${prefixed('m', MEMBER.columns)}, k.public_key AS member_public_key FROM members m ` +
    (dialect === 'sqlite' ? 'INDEXED BY members_pending ' : '') +
    "LEFT JOIN member_keys k ON k.member_id = m.id WHERE m.state = 'pending'";
  const lock = dialect === 'postgres' ? ' FOR UPDATE' : '';
  return {
    getGroupKeys: `SELECT ${GROUP_KEY.columns} FROM group_keys WHERE ${oneOf('group_id')}`,
    listProvisioningGroupKeys: `SELECT ${GROUP_KEY.columns} FROM group_keys WHERE sealed_for_provisioning IS NOT NULL ORDER BY group_id LIMIT ?`,
    listProvisioningGroupKeysAfter: `SELECT ${GROUP_KEY.columns} FROM group_keys WHERE sealed_for_provisioning IS NOT NULL AND group_id > ? ORDER BY group_id LIMIT ?`,
    replaceProvisioningSeal:
      'UPDATE group_keys SET sealed_for_provisioning = ? WHERE group_id = ? AND public_key = ? AND sealed_for_provisioning IS NOT NULL ' +
      `AND group_id IN (SELECT g.id FROM groups g WHERE ${bridgeHolds})`,
    giveProvisioningSeal:
      'UPDATE group_keys SET sealed_for_provisioning = ? WHERE group_id = ? AND public_key = ? ' +
      `AND group_id IN (SELECT g.id FROM groups g WHERE ${bridgeHolds})`,
    withdrawProvisioningSeal:
      'UPDATE group_keys SET sealed_for_provisioning = NULL WHERE group_id = ? AND sealed_for_provisioning IS NOT NULL',
    insertGroupKey: `INSERT INTO group_keys (${GROUP_KEY.columns}) VALUES (?, ?, ?, ?) ON CONFLICT (group_id) DO NOTHING`,
    // Only shares whose membership exists; `WHERE true` lets SQLite parse ON CONFLICT after a SELECT.
    addGroupKeyShares:
      'INSERT INTO group_key_shares (group_id, member_id, sealed_private_key, created_at) ' +
      'SELECT s.group_id, s.member_id, s.sealed, s.created_at FROM ' +
      (dialect === 'sqlite'
        ? "(SELECT json_extract(value, '$[0]') AS group_id, json_extract(value, '$[1]') AS member_id, " +
          "json_extract(value, '$[2]') AS sealed, json_extract(value, '$[3]') AS created_at FROM json_each(?)) s "
        : 'unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS s(group_id, member_id, sealed, created_at) ') +
      'JOIN group_members gm ON gm.group_id = s.group_id AND gm.member_id = s.member_id ' +
      'JOIN group_keys gk ON gk.group_id = s.group_id ' +
      'WHERE true ON CONFLICT (group_id, member_id) DO NOTHING',
    listGroupKeySharesOfMember:
      'SELECT s.group_id, g.display_name, gk.public_key AS group_public_key, s.sealed_private_key ' +
      'FROM group_key_shares s JOIN groups g ON g.id = s.group_id JOIN group_keys gk ON gk.group_id = s.group_id ' +
      'WHERE s.member_id = ? ORDER BY g.seq',
    listPendingMembers: `${pendingMembers} ORDER BY m.id LIMIT ?`,
    listPendingMembersAfter: `${pendingMembers} AND m.id > ? ORDER BY m.id LIMIT ?`,
    listKeyedGroupsOfMembers:
      'SELECT gm.member_id, g.id AS group_id, g.display_name, g.kind, g.managed, ' +
      'gk.public_key, gk.sealed_for_provisioning, gk.created_at AS key_created_at ' +
      'FROM group_members gm JOIN groups g ON g.id = gm.group_id LEFT JOIN group_keys gk ON gk.group_id = g.id ' +
      `WHERE ${oneOf('gm.member_id')} ORDER BY gm.member_id, g.seq`,
    missingSharesOfGroup: `${missingShares} AND gm.group_id = ? AND ${oneOf('gm.member_id')}`,
    missingSharesSweep: `${missingShares} ORDER BY gm.member_id, gm.group_id LIMIT ?`,
    missingSharesSweepAfter: `${missingShares} AND (gm.member_id, gm.group_id) > (?, ?) ORDER BY gm.member_id, gm.group_id LIMIT ?`,
    insertVault: `INSERT INTO vaults (${VAULT.columns}) VALUES (?, ?, ?)`,
    getVault: `SELECT ${VAULT.columns} FROM vaults WHERE id = ?`,
    findVaultByName: `SELECT ${VAULT.columns} FROM vaults WHERE lower(name) = lower(?)`,
    listVaults: `SELECT ${VAULT.columns} FROM vaults ORDER BY seq LIMIT ?`,
    listVaultsAfter: `SELECT ${VAULT.columns} FROM vaults WHERE seq > (SELECT seq FROM vaults WHERE id = ?) ORDER BY seq LIMIT ?`,
    saveVaultGrant:
      `INSERT INTO vault_grants (${VAULT_GRANT.columns}) VALUES (?, ?, ?, ?, ?) ` +
      'ON CONFLICT (vault_id, group_id) DO UPDATE SET sealed_vault_key = excluded.sealed_vault_key, ' +
      'created_at = excluded.created_at, permission = excluded.permission',
    setVaultGrantPermission: 'UPDATE vault_grants SET permission = ? WHERE vault_id = ? AND group_id = ?',
    deleteVaultGrant: 'DELETE FROM vault_grants WHERE vault_id = ? AND group_id = ?',
    listVaultGrants: `SELECT ${VAULT_GRANT.columns} FROM vault_grants WHERE vault_id = ? ORDER BY group_id`,
    // Row locks in one order (vault, group) so that two changes wait for each other, never deadlock;
    // SQLite needs none: its transactions run one at a time.
    lockVaultGrants: `SELECT ${VAULT_GRANT.columns} FROM vault_grants WHERE vault_id = ? ORDER BY group_id${lock}`,
    lockGrantsOfVaultsOpenedBy:
      `SELECT ${VAULT_GRANT.columns} FROM vault_grants WHERE vault_id IN ` +
      `(SELECT vault_id FROM vault_grants WHERE group_id = ?) ORDER BY vault_id, group_id${lock}`,
    listVaultsOnlyGrantedTo:
      `SELECT ${prefixed('v', VAULT.columns)} FROM vault_grants vg JOIN vaults v ON v.id = vg.vault_id ` +
      'WHERE vg.group_id = ? AND NOT EXISTS ' +
      '(SELECT 1 FROM vault_grants other WHERE other.vault_id = vg.vault_id AND other.group_id <> vg.group_id) ' +
      'ORDER BY v.seq',
    listVaultGrantsOfGroups:
      `SELECT ${prefixed('vg', VAULT_GRANT.columns)}, v.name AS vault_name FROM vault_grants vg ` +
      `JOIN vaults v ON v.id = vg.vault_id WHERE ${oneOf('vg.group_id')} ORDER BY v.seq, vg.group_id`,
    memberPublicKeys: `SELECT member_id, public_key FROM member_keys WHERE ${oneOf('member_id')}`,
  };
}

/** The rows of `memberPublicKeys` as member id → public key. */
export function publicKeysFromRows(rows: readonly Row[]): Map<string, string> {
  return new Map(rows.map((row) => [row.member_id as string, row.public_key as string]));
}

/** The parameter that `oneOf` expects. */
export function idsParam(dialect: 'sqlite' | 'postgres', ids: readonly string[]): unknown {
  return dialect === 'sqlite' ? JSON.stringify(ids) : [...ids];
}

/** The parameters of `addGroupKeyShares`. */
export function sharesParams(dialect: 'sqlite' | 'postgres', shares: readonly GroupKeyShare[]): unknown[] {
  if (dialect === 'sqlite') {
    return [JSON.stringify(shares.map((s) => [s.groupId, s.memberId, s.sealedPrivateKey, s.createdAt]))];
  }
  return [
    shares.map((s) => s.groupId),
    shares.map((s) => s.memberId),
    shares.map((s) => s.sealedPrivateKey),
    shares.map((s) => s.createdAt),
  ];
}

export function pendingMemberFromRow(row: Row): PendingMemberRow {
  return { member: MEMBER.fromRow(row), publicKey: text(row.member_public_key) };
}

export function keyedGroupsFromRows(rows: readonly Row[]): Map<string, KeyedGroupRef[]> {
  const byMember = new Map<string, KeyedGroupRef[]>();
  for (const row of rows) {
    const groupId = row.group_id as string;
    append(byMember, row.member_id as string, {
      groupId,
      displayName: row.display_name as string,
      kind: row.kind as KeyedGroupRef['kind'],
      managed: bool(row.managed),
      key:
        row.public_key === null || row.public_key === undefined
          ? undefined
          : {
              groupId,
              publicKey: row.public_key as string,
              sealedForProvisioning: text(row.sealed_for_provisioning),
              createdAt: row.key_created_at as string,
            },
    });
  }
  return byMember;
}
