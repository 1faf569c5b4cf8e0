/** The account API's side of release-compat.ts: every answer names this release; a bridge too far apart is refused. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VERSION } from '../../version.ts';
import type { ApiErrorBody } from './protocol.ts';
import { RELEASE_HEADER, releaseMismatchMessage, releasesCompatible } from './release-compat.ts';

export async function checkBridgeRelease(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  reply.header(RELEASE_HEADER, VERSION);
  const sent = request.headers[RELEASE_HEADER];
  if (sent === undefined) return undefined;
  const bridge = Array.isArray(sent) ? sent.join(',') : sent;
  if (releasesCompatible(VERSION, bridge)) return undefined;
  const body: ApiErrorBody = { code: 'release_mismatch', message: releaseMismatchMessage(VERSION, bridge) };
  request.log.warn(
    { bridgeRelease: body.message, address: request.ip },
    'refused a bridge of another release',
  );
  return reply
    .code(409)
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(JSON.stringify(body));
}
