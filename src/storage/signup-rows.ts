/**
 * Rows and SQL of invitations, members' sign-in credentials and sessions, and account
 * secrets: shared by both dialects (`?` placeholders; the PostgreSQL store numbers them).
 */
import type { Invitation, MemberCredential, MemberSession } from '../account/model.ts';
import { type Row, text } from './rows.ts';

export const INVITATION_COLUMNS = 'id, member_id, token_hash, created_at, expires_at, used_at, revoked_at';

export function invitationValues(invitation: Invitation): unknown[] {
  return [
    invitation.id,
    invitation.memberId,
    invitation.tokenHash,
    invitation.createdAt,
    invitation.expiresAt,
    invitation.usedAt,
    invitation.revokedAt,
  ];
}

export function invitationFromRow(row: Row): Invitation {
  return {
    id: row.id as string,
    memberId: row.member_id as string,
    tokenHash: row.token_hash as string,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string,
    usedAt: text(row.used_at),
    revokedAt: text(row.revoked_at),
  };
}

export const CREDENTIAL_COLUMNS = 'member_id, proof_salt, proof_iterations, proof_hash, created_at';

export function credentialValues(credential: MemberCredential): unknown[] {
  return [
    credential.memberId,
    credential.proofSalt,
    credential.proofIterations,
    credential.proofHash,
    credential.createdAt,
  ];
}

export function credentialFromRow(row: Row): MemberCredential {
  return {
    memberId: row.member_id as string,
    proofSalt: row.proof_salt as string,
    proofIterations: Number(row.proof_iterations),
    proofHash: row.proof_hash as string,
    createdAt: row.created_at as string,
  };
}

export const SESSION_COLUMNS = 'token_hash, member_id, created_at, expires_at';

export function sessionValues(session: MemberSession): unknown[] {
  return [session.tokenHash, session.memberId, session.createdAt, session.expiresAt];
}

export function sessionFromRow(row: Row): MemberSession {
  return {
    tokenHash: row.token_hash as string,
    memberId: row.member_id as string,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string,
  };
}

export const SIGNUP_SQL = {
  insertInvitation: `INSERT INTO invitations (${INVITATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  findInvitationByTokenHash: `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE token_hash = ?`,
  listInvitations: `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE member_id = ? ORDER BY created_at DESC, id DESC`,
  revokeOpenInvitations:
    'UPDATE invitations SET revoked_at = ? WHERE member_id = ? AND used_at IS NULL AND revoked_at IS NULL',
  markInvitationUsed:
    'UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',

  saveMemberCredential:
    `INSERT INTO member_credentials (${CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?) ` +
    'ON CONFLICT (member_id) DO UPDATE SET proof_salt = excluded.proof_salt, ' +
    'proof_iterations = excluded.proof_iterations, proof_hash = excluded.proof_hash, created_at = excluded.created_at',
  getMemberCredential: `SELECT ${CREDENTIAL_COLUMNS} FROM member_credentials WHERE member_id = ?`,

  insertMemberSession: `INSERT INTO member_sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?)`,
  getMemberSession: `SELECT ${SESSION_COLUMNS} FROM member_sessions WHERE token_hash = ?`,
  deleteMemberSession: 'DELETE FROM member_sessions WHERE token_hash = ?',
  // Only ever later: two requests of one session that extend it at once cannot shorten it.
  extendMemberSession: 'UPDATE member_sessions SET expires_at = ? WHERE token_hash = ? AND expires_at < ?',
  deleteExpiredMemberSessions: 'DELETE FROM member_sessions WHERE expires_at <= ?',

  transferMemberKeys: 'UPDATE member_keys SET member_id = ? WHERE member_id = ?',
  transferMemberCredential: 'UPDATE member_credentials SET member_id = ? WHERE member_id = ?',
  deleteSessionsOfMember: 'DELETE FROM member_sessions WHERE member_id = ?',

  insertAccountSecret:
    'INSERT INTO account_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  getAccountSecret: 'SELECT value FROM account_secrets WHERE name = ?',
} as const;
