/**
 * One HTTP exchange with the account API over keep-alive connections, and the failure
 * classes the rest of the client decides on: never sent (safe to repeat any call), TLS
 * trust (repeating cannot help), and retryable statuses.
 */
import http from 'node:http';
import https from 'node:https';
import { API_PREFIX } from '../../account/api/protocol.ts';
import {
  RELEASE_HEADER,
  releaseMismatchMessage,
  releasesCompatible,
} from '../../account/api/release-compat.ts';
import { VERSION } from '../../version.ts';

export interface Reply {
  status: number;
  body: unknown;
}

export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Errors that mean the request never reached the server: safe to retry any call. */
export const NOT_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
export const TLS_TRUST: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
]);
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([502, 503, 504]);
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export const isNotSent = (code: string | undefined) => code !== undefined && NOT_SENT.has(code);
export const isTlsTrust = (code: string | undefined) => code !== undefined && TLS_TRUST.has(code);

export function toTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as { code?: string }).code;
  if (isTlsTrust(code)) {
    return new TransportError(
      `TLS: the account server's certificate is not accepted (${code}); check the certificate, its host name, ` +
        'and give the bridge the issuing CA with NODE_EXTRA_CA_CERTS',
      code,
    );
  }
  return new TransportError(`${(error as Error).message}${code ? ` (${code})` : ''}`, code);
}

interface Target {
  baseUrl: string;
  secure: boolean;
  pathPrefix: string;
  options: { hostname: string; port: string };
}

export interface HttpTransport {
  /** Rejects with TransportError when no HTTP response arrived. */
  request(
    baseUrl: string,
    method: string,
    path: string,
    body: unknown,
    token?: string,
    prefix?: string,
  ): Promise<Reply>;
  /** Closes the keep-alive connections (and cuts off requests on them). */
  destroy(): void;
}

export function createHttpTransport(timeoutMs: number): HttpTransport {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
  };

  /** The parsed account URL, kept: parsing it again for every call is measurable work. */
  let parsedTarget: Target | undefined;
  function targetOf(baseUrl: string): Target | undefined {
    if (parsedTarget?.baseUrl === baseUrl) return parsedTarget;
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    parsedTarget = {
      baseUrl,
      secure: url.protocol === 'https:',
      pathPrefix: url.pathname.replace(/\/+$/, ''),
      // Brackets off an IPv6 literal: `hostname` wants the bare address.
      options: { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port },
    };
    return parsedTarget;
  }

  function request(
    baseUrl: string,
    method: string,
    path: string,
    body: unknown,
    token?: string,
    prefix: string = API_PREFIX,
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const target = targetOf(baseUrl);
      if (target === undefined) {
        reject(new TransportError(`the account URL "${baseUrl}" is not an http(s) URL`, 'ERR_INVALID_URL'));
        return;
      }
      const { secure } = target;
      // A string, not a Buffer: Node then sends the headers and the body in one write
      // instead of a two-part writev, which measurably cheapens every loopback call.
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json', [RELEASE_HEADER]: VERSION };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      if (token) headers.authorization = `Bearer ${token}`;
      const outgoing = (secure ? https : http).request(
        {
          ...target.options,
          path: `${target.pathPrefix}${prefix}${path}`,
          method,
          headers,
          agent: secure ? agents.https : agents.http,
          timeout: timeoutMs,
        },
        (response) => {
          const release = response.headers[RELEASE_HEADER];
          if (typeof release === 'string' && !releasesCompatible(release, VERSION)) {
            response.resume();
            reject(new TransportError(releaseMismatchMessage(release, VERSION), 'E_RELEASE'));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              outgoing.destroy(
                new TransportError('the account server sent an oversized response', 'E_TOO_LARGE'),
              );
            } else chunks.push(chunk);
          });
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', (error) => reject(toTransportError(error)));
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new TransportError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT')),
      );
      outgoing.on('error', (error) => reject(toTransportError(error)));
      outgoing.end(payload);
    });
  }

  return {
    request,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
