/**
 * The signed-in member on a request, for every member page and endpoint (the sign-up
 * routes here, the vaults page elsewhere): `requireMember` as a fastify preHandler answers
 * unauthenticated requests (a redirect to /signin for pages, 401 JSON otherwise) and puts
 * the member on `request.member`.
 *
 *   app.get('/member/vaults', { preHandler: auth.requireMember }, async (request) => {
 *     const { member } = request.member!;
 *   });
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountDeps } from '../deps.ts';
import { memberOfSession } from '../member-sign-in.ts';
import type { Member, MemberSession } from '../model.ts';

export const SESSION_COOKIE = 'scimbridge_member';

export interface SignedInMember {
  member: Member;
  session: MemberSession;
  /** The cookie's token; never log it. */
  sessionToken: string;
  /** What a form must echo to act for this session (sign-out and later forms). */
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    member?: SignedInMember;
  }
}

/** Reads one cookie from the Cookie header (RFC 6265 §5.4); undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * The form token of a session: derived from the session token, so nothing more is stored,
 * and unknowable to another site (it cannot read the HttpOnly cookie).
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`scimbridge csrf v1|${sessionToken}`).digest('base64url');
}

/**
 * The Set-Cookie value. Secure when this request came over HTTPS, or when the account's
 * public address is HTTPS (a TLS proxy in front whose forwarding headers are not trusted).
 */
export function sessionCookie(
  request: FastifyRequest,
  value: string,
  maxAgeSeconds: number,
  publicUrl = '',
): string {
  const secure = request.protocol === 'https' || publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.method === 'GET' && accept.includes('text/html');
}

export interface MemberAuth {
  /** The signed-in member, or undefined; never replies. */
  currentMember(request: FastifyRequest): Promise<SignedInMember | undefined>;
  /** preHandler: sets `request.member` or answers 401 / redirects to the sign-in page. */
  requireMember(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function createMemberAuth(deps: AccountDeps): MemberAuth {
  async function currentMember(request: FastifyRequest): Promise<SignedInMember | undefined> {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token === undefined) return undefined;
    const found = await memberOfSession(deps, token);
    return found && { ...found, sessionToken: token, csrfToken: csrfTokenOf(token) };
  }
  return {
    currentMember,
    async requireMember(request, reply) {
      const signedIn = await currentMember(request);
      if (signedIn) {
        request.member = signedIn;
        return;
      }
      reply.header('cache-control', 'no-store');
      if (wantsHtml(request)) {
        await reply.redirect('/signin', 303);
        return;
      }
      await reply.code(401).send({ error: 'not_signed_in', message: 'Sign in first.' });
    },
  };
}
