/**
 * Headers every answer of both servers carries, whatever route produced it (a page, JSON, a
 * SCIM error, a 404 from the framework): no framing by another site (clickjacking), no
 * content sniffing, no referrer leaving with a secret in the URL. A route that sends its own
 * Content-Security-Policy (the member pages allow their own script) keeps it, but it must
 * forbid framing as well; `test/e2e/security-headers.test.ts` walks the routes of both.
 */
import type { FastifyInstance } from 'fastify';

/** For answers that are not pages (JSON, text): nothing may load, nothing may frame them. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function addSecurityHeaders(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every answer, and a promise per answer is
  // measurable on the SCIM read path (docs/benchmarks.md).
  app.addHook('onSend', (_request, reply, payload, done) => {
    const csp = reply.getHeader('content-security-policy');
    if (csp === undefined) reply.header('content-security-policy', DEFAULT_CSP);
    else if (!String(csp).includes("frame-ancestors 'none'")) {
      reply.header('content-security-policy', `${String(csp)}; frame-ancestors 'none'`);
    }
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    done(null, payload);
  });
}
