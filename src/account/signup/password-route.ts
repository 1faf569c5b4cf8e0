/**
 * The answer to a password change post, shared by the console's "Your account" and the member
 * page (issue 11); each route first checks its own session, form token and lockout. A wrong
 * current proof is a failed sign-in for the caller's counters and is answered beside the
 * current-password field; a change gives this browser the new session's cookie.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { changePassword, parsePasswordChange } from '../change-password.ts';
import type { AccountDeps } from '../deps.ts';
import type { ActivityActor, Member, MemberSession } from '../model.ts';
import { SignupError } from '../signup-errors.ts';

export async function answerPasswordChange(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    deps: AccountDeps;
    member: Member;
    actor: ActivityActor;
    newSession: () => { sessionToken: string; session: MemberSession };
    failed: () => void;
    succeeded: () => void;
    setCookie: (sessionToken: string) => void;
    /** Where the browser goes after a change, given how many other sessions ended. */
    next: (otherSessionsEnded: number) => string;
  },
): Promise<FastifyReply> {
  const { member } = options;
  const change = parsePasswordChange(request.body);
  const { sessionToken, session } = options.newSession();
  let otherSessionsEnded: number;
  try {
    ({ otherSessionsEnded } = await changePassword(options.deps, {
      memberId: member.id,
      change,
      replacement: session,
      actor: options.actor,
    }));
  } catch (error) {
    if (!(error instanceof SignupError && error.code === 'sign_in_failed')) throw error;
    options.failed();
    request.log.info(
      { memberId: member.id, outcome: 'wrong_current_password' },
      'password change refused: the current password is wrong',
    );
    return reply
      .code(401)
      .header('cache-control', 'no-store')
      .send({ error: error.code, message: error.message, field: 'current-password' });
  }
  options.succeeded();
  options.setCookie(sessionToken);
  request.log.info(
    { memberId: member.id, outcome: 'password_changed', otherSessionsEnded },
    'password changed; the other sessions of its owner ended',
  );
  return reply
    .code(200)
    .header('cache-control', 'no-store')
    .send({ next: options.next(otherSessionsEnded) });
}
