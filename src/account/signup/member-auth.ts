import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenOf } from '../../web/csrf.ts';
import type { AccountDeps } from '../deps.ts';
import { memberOfSession } from '../member-sign-in.ts';
import type { Member, MemberSession } from '../model.ts';

export const SESSION_COOKIE = 'scimbridge_member';

export interface SignedInMember {
  member: Member;
  session: MemberSession;
  /** The cookie's token; never log it. */
  sessionToken: string;
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    member?: SignedInMember;
  }
}

/** RFC 6265 §5.4 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** Secure also when the public address is HTTPS (a TLS proxy whose forwarding headers are not trusted). */
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
  currentMember(request: FastifyRequest): Promise<SignedInMember | undefined>;
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
