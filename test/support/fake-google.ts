/**
 * A local stand-in for Google's OAuth token endpoint and the Admin SDK Directory API,
 * speaking their wire format (research §4.3 G1–G4): the JWT-bearer grant as a form body,
 * whose RS256 assertion is verified against the service account's public key with its
 * claims checked; JSON answers with `nextPageToken`; Google's error bodies, including the
 * quota answers. Tests point Google's own client libraries at it.
 */
import { createVerify, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const GOOGLE_AUD = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface FakeUser {
  id: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  suspended?: boolean;
}

export interface FakeGroup {
  id: string;
  email: string;
  name: string;
  members: string[];
}

export interface ServiceAccount {
  clientEmail: string;
  clientId: string;
  privateKeyPem: string;
  publicKey: KeyObject;
  keyId: string;
  /** The JSON key file as Google hands it out. */
  keyFile: string;
}

export function makeServiceAccount(
  clientEmail = 'scimbridge-sync@acme-project.iam.gserviceaccount.com',
): ServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyId = randomBytes(20).toString('hex');
  const clientId = '1049' + String(Date.now()).slice(-10);
  return {
    clientEmail,
    clientId,
    privateKeyPem,
    publicKey,
    keyId,
    keyFile: JSON.stringify({
      type: 'service_account',
      project_id: 'acme-project',
      private_key_id: keyId,
      private_key: privateKeyPem,
      client_email: clientEmail,
      client_id: clientId,
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: GOOGLE_AUD,
    }),
  };
}

type Fault = { status: number; reason?: string; retryAfter?: string };

export class FakeGoogle {
  readonly users = new Map<string, FakeUser>();
  readonly groups = new Map<string, FakeGroup>();
  /** Service accounts whose keys are valid, by client e-mail. */
  readonly keys = new Map<string, ServiceAccount>();
  /** Admins the service account may act as; any other `sub` is invalid_grant. */
  readonly admins = new Set<string>(['it-admin@acme.test']);
  /** Client ids with domain-wide delegation for the directory scopes. */
  readonly delegated = new Set<string>();
  readonly requests: string[] = [];
  readonly tokenClaims: Array<Record<string, unknown>> = [];
  private readonly faults: Array<{ match: RegExp; fault: Fault; times: number }> = [];
  private readonly tokens = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private cutAfter: number | undefined;
  private server: http.Server | undefined;
  address = '';

  register(account: ServiceAccount): void {
    this.keys.set(account.clientEmail, account);
    this.delegated.add(account.clientId);
  }

  /** The next `times` requests whose path matches answer `fault` instead. */
  fail(match: RegExp, fault: Fault, times = 1): void {
    this.faults.push({ match, fault, times });
  }

  /** After `count` more Directory API requests, the server goes away (connections cut, port closed). */
  goAwayAfter(count: number): void {
    this.cutAfter = count;
  }

  get tokenUrl(): string {
    return `${this.address}/token`;
  }

  async start(port = 0): Promise<void> {
    this.server = http.createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Back on the same port, as a Google that recovered. */
  async restart(): Promise<void> {
    const port = Number(new URL(this.address).port);
    await this.stop();
    this.cutAfter = undefined;
    await this.start(port);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<unknown> {
    const url = new URL(request.url ?? '/', this.address);
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
    const body = await readBody(request);
    if (url.pathname === '/token' && request.method === 'POST') return this.token(request, body, response);
    if (this.cutAfter !== undefined) {
      if (this.cutAfter <= 0) {
        request.socket.destroy();
        void this.stop();
        return;
      }
      this.cutAfter--;
    }
    const fault = this.faults.find((entry) => entry.times > 0 && entry.match.test(url.pathname + url.search));
    if (fault) {
      fault.times--;
      return apiError(
        response,
        fault.fault.status,
        fault.fault.reason ?? 'backendError',
        fault.fault.retryAfter,
      );
    }
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer))
      return apiError(response, 401, 'authError', undefined, 'Invalid Credentials');
    const path = url.pathname.replace(/^\/admin\/directory\/v1/, '');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'users' && parts.length === 1) {
      if (url.searchParams.get('customer') !== 'my_customer' && !url.searchParams.get('domain')) {
        return apiError(response, 400, 'badRequest', undefined, 'Bad Request');
      }
      const all = [...this.users.values()].sort((a, b) => a.primaryEmail.localeCompare(b.primaryEmail));
      return page(response, url, all.map(userJson), 'users', 'admin#directory#users', 500);
    }
    if (parts[0] === 'groups' && parts.length === 1) {
      return page(
        response,
        url,
        [...this.groups.values()].map(groupJson),
        'groups',
        'admin#directory#groups',
        200,
      );
    }
    const group = parts[1] ? this.groupByKey(parts[1]) : undefined;
    if (parts[0] === 'groups' && parts.length >= 2 && group === undefined) {
      return apiError(response, 404, 'notFound', undefined, `Resource Not Found: groupKey`);
    }
    if (parts[0] === 'groups' && parts.length === 2 && group) return json(response, 200, groupJson(group));
    if (parts[0] === 'groups' && parts[2] === 'members' && group) {
      const members = group.members.flatMap((id) => {
        const user = this.users.get(id);
        return user
          ? [
              {
                kind: 'admin#directory#member',
                id,
                email: user.primaryEmail,
                role: 'MEMBER',
                type: 'USER',
                status: 'ACTIVE',
              },
            ]
          : [];
      });
      return page(response, url, members, 'members', 'admin#directory#members', 200);
    }
    return apiError(response, 404, 'notFound', undefined, 'Not Found');
  }

  private groupByKey(key: string): FakeGroup | undefined {
    return [...this.groups.values()].find((group) => group.email === key.toLowerCase() || group.id === key);
  }

  private token(
    request: http.IncomingMessage,
    body: string,
    response: http.ServerResponse,
  ): http.ServerResponse {
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return json(response, 400, { error: 'invalid_request', error_description: 'Bad Request' });
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== JWT_BEARER) {
      return json(response, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Invalid grant_type: ',
      });
    }
    const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
    if (!header || !payload || !signature) {
      return json(response, 400, {
        error: 'invalid_grant',
        error_description: 'Invalid JWT: Token must be a short-lived token',
      });
    }
    const head = decodePart(header);
    const claims = decodePart(payload);
    const account = this.keys.get(String(claims.iss));
    const verifier = createVerify('RSA-SHA256').update(`${header}.${payload}`);
    if (
      head.alg !== 'RS256' ||
      account === undefined ||
      !verifier.verify(account.publicKey, Buffer.from(signature, 'base64url'))
    ) {
      return json(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (claims.aud !== GOOGLE_AUD || !(exp > iat) || exp - iat > 3600) {
      return json(response, 400, {
        error: 'invalid_grant',
        error_description:
          'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      });
    }
    this.tokenClaims.push(claims);
    const scopes = String(claims.scope ?? '').split(' ');
    if (
      !this.delegated.has(account.clientId) ||
      !scopes.every((scope) => scope.startsWith('https://www.googleapis.com/auth/admin.directory.'))
    ) {
      return json(response, 401, {
        error: 'unauthorized_client',
        error_description:
          'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      });
    }
    if (!this.admins.has(String(claims.sub))) {
      return json(response, 400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' });
    }
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    this.tokens.add(accessToken);
    return json(response, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }
}

function userJson(user: FakeUser) {
  return {
    kind: 'admin#directory#user',
    id: user.id,
    etag: `"${user.id}"`,
    primaryEmail: user.primaryEmail,
    name: {
      givenName: user.givenName,
      familyName: user.familyName,
      fullName: `${user.givenName} ${user.familyName}`,
    },
    isAdmin: false,
    suspended: user.suspended === true,
    archived: false,
    orgUnitPath: '/',
    customerId: 'C01abcdef',
  };
}

function groupJson(group: FakeGroup) {
  return {
    kind: 'admin#directory#group',
    id: group.id,
    etag: `"${group.id}"`,
    email: group.email,
    name: group.name,
    directMembersCount: String(group.members.length),
    adminCreated: true,
  };
}

function page(
  response: http.ServerResponse,
  url: URL,
  items: unknown[],
  field: string,
  kind: string,
  max: number,
): void {
  const size = Math.min(Number(url.searchParams.get('maxResults') ?? max) || max, max);
  const token = url.searchParams.get('pageToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
  const slice = items.slice(start, start + size);
  const next =
    start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  json(response, 200, { kind, etag: '"list"', [field]: slice, ...(next ? { nextPageToken: next } : {}) });
}

function apiError(
  response: http.ServerResponse,
  status: number,
  reason: string,
  retryAfter?: string,
  message?: string,
): void {
  const text =
    message ??
    (reason === 'userRateLimitExceeded'
      ? 'User Rate Limit Exceeded'
      : reason === 'quotaExceeded'
        ? 'Quota exceeded for quota metric'
        : reason === 'rateLimitExceeded'
          ? 'Rate Limit Exceeded'
          : 'Backend Error');
  if (retryAfter) response.setHeader('retry-after', retryAfter);
  json(response, status, {
    error: { code: status, message: text, errors: [{ message: text, domain: 'global', reason }] },
  });
}

function json(response: http.ServerResponse, status: number, body: unknown): http.ServerResponse {
  return response
    .writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
    .end(JSON.stringify(body));
}

function decodePart(part: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
