/**
 * Who may open which route, for every route both services register: the one table that
 * test/e2e/route-access-suite.ts walks. A route added to either server without a row here
 * fails that test, so no route can slip in unlisted.
 *
 * `allows` names the credentials, of those the test presents, that get in:
 * - `none`: no credentials at all (a public route);
 * - `monitoring`: a monitoring token (P7) as `Authorization: Bearer sbm_…`;
 * - `member`: a signed-in member's session cookie.
 * A revoked credential (the bearer token before regeneration, a deleted monitoring token)
 * gets in only where `none` does. The route's own credential (the bridge's bearer token, the
 * account API's session) is not in this table: the protocol suites test it.
 */

export type Service = 'bridge' | 'account';
export type Probe = 'none' | 'monitoring' | 'member';

export interface RouteAccess {
  service: Service;
  method: string;
  /** The path as fastify registered it (case-insensitive on the bridge), with `:params`. */
  path: string;
  allows: readonly Probe[];
  /** Why the row says what it says, where that is not obvious. */
  note?: string;
}

const PUBLIC: readonly Probe[] = ['none'];
const NOBODY: readonly Probe[] = [];

const bridge = (method: string, path: string, allows: readonly Probe[], note?: string): RouteAccess => ({
  service: 'bridge',
  method,
  path,
  allows,
  ...(note === undefined ? {} : { note }),
});
const account = (method: string, path: string, allows: readonly Probe[], note?: string): RouteAccess => ({
  service: 'account',
  method,
  path,
  allows,
  ...(note === undefined ? {} : { note }),
});

const SCIM_RESOURCES = ['/scim/v2/users', '/scim/v2/groups'].flatMap((base) => [
  bridge('GET', base, NOBODY),
  bridge('POST', base, NOBODY),
  bridge('POST', `${base}/.search`, NOBODY),
  bridge('GET', `${base}/:id`, NOBODY),
  bridge('PUT', `${base}/:id`, NOBODY),
  bridge('PATCH', `${base}/:id`, NOBODY),
  bridge('DELETE', `${base}/:id`, NOBODY),
]);

const ACCOUNT_API: readonly [string, string][] = [
  ['GET', '/api/v1/sign-ups/count'],
  ['POST', '/api/v1/provisioning/check'],
  ['POST', '/api/v1/members'],
  ['POST', '/api/v1/members/search'],
  ['POST', '/api/v1/members/groups'],
  ['GET', '/api/v1/members/:id'],
  ['PUT', '/api/v1/members/:id'],
  ['DELETE', '/api/v1/members/:id'],
  ['POST', '/api/v1/members/:id/active'],
  ['POST', '/api/v1/monitoring-tokens/check'],
  ['POST', '/api/v1/scim-requests'],
  ['POST', '/api/v1/groups'],
  ['POST', '/api/v1/groups/search'],
  ['GET', '/api/v1/groups/:id'],
  ['PUT', '/api/v1/groups/:id'],
  ['DELETE', '/api/v1/groups/:id'],
  ['GET', '/api/v1/groups/:id/members'],
  ['POST', '/api/v1/groups/:id/membership'],
  ['POST', '/api/v1/group-keys'],
  ['POST', '/api/v1/group-keys/lookup'],
  ['POST', '/api/v1/group-keys/provisioning'],
  ['POST', '/api/v1/group-keys/reseal'],
  ['POST', '/api/v1/key-shares'],
  ['POST', '/api/v1/key-shares/missing'],
  ['POST', '/api/v1/confirmations'],
  ['POST', '/api/v1/confirmations/pending'],
  ['GET', '/api/v1/channel'],
  ['POST', '/api/v1/batch'],
];

export const ROUTE_ACCESS: readonly RouteAccess[] = [
  // The bridge.
  bridge('GET', '/', PUBLIC, 'the status page: without a session only its sign-in form'),
  bridge('GET', '/ping', PUBLIC, 'liveness for load balancers'),
  bridge('POST', '/signin', PUBLIC, 'takes the bearer token in the form'),
  bridge('POST', '/signout', PUBLIC, 'ends whatever session the cookie names'),
  ...['settings', 'preview', 'approve', 'run', 'off'].map((form) =>
    bridge(
      'POST',
      `/google/${form}`,
      NOBODY,
      'the Google sync forms: a signed-in status page session from the same origin',
    ),
  ),
  ...SCIM_RESOURCES,
  bridge('POST', '/scim/v2/bulk', NOBODY),
  bridge('GET', '/scim/v2/serviceproviderconfig', NOBODY),
  bridge('GET', '/scim/v2/schemas', NOBODY),
  bridge('GET', '/scim/v2/schemas/:id', NOBODY),
  bridge('GET', '/scim/v2/resourcetypes', NOBODY),
  bridge('GET', '/scim/v2/resourcetypes/:name', NOBODY),
  bridge('GET', '/health', ['monitoring']),
  bridge('GET', '/metrics', ['monitoring']),
  bridge('GET', '/logs', NOBODY, 'the bearer token or a status-page session only'),
  // Every other method on a SCIM path answers 405 to the bearer token, 401 to anyone else.
  bridge('PUT', '/scim/v2/users', NOBODY),
  bridge('PATCH', '/scim/v2/users', NOBODY),
  bridge('DELETE', '/scim/v2/users', NOBODY),
  bridge('OPTIONS', '/scim/v2/users', NOBODY),
  bridge('GET', '/scim/v2/users/.search', NOBODY),
  bridge('PUT', '/scim/v2/users/.search', NOBODY),
  bridge('PATCH', '/scim/v2/users/.search', NOBODY),
  bridge('DELETE', '/scim/v2/users/.search', NOBODY),
  bridge('OPTIONS', '/scim/v2/users/.search', NOBODY),
  bridge('POST', '/scim/v2/users/:id', NOBODY),
  bridge('OPTIONS', '/scim/v2/users/:id', NOBODY),
  bridge('POST', '/scim/v2/.search', NOBODY),
  bridge('GET', '/scim/v2/.search', NOBODY),
  bridge('PUT', '/scim/v2/.search', NOBODY),
  bridge('PATCH', '/scim/v2/.search', NOBODY),
  bridge('DELETE', '/scim/v2/.search', NOBODY),
  bridge('OPTIONS', '/scim/v2/.search', NOBODY),
  bridge('PUT', '/scim/v2/groups', NOBODY),
  bridge('PATCH', '/scim/v2/groups', NOBODY),
  bridge('DELETE', '/scim/v2/groups', NOBODY),
  bridge('OPTIONS', '/scim/v2/groups', NOBODY),
  bridge('GET', '/scim/v2/groups/.search', NOBODY),
  bridge('PUT', '/scim/v2/groups/.search', NOBODY),
  bridge('PATCH', '/scim/v2/groups/.search', NOBODY),
  bridge('DELETE', '/scim/v2/groups/.search', NOBODY),
  bridge('OPTIONS', '/scim/v2/groups/.search', NOBODY),
  bridge('POST', '/scim/v2/groups/:id', NOBODY),
  bridge('OPTIONS', '/scim/v2/groups/:id', NOBODY),
  bridge('GET', '/scim/v2/bulk', NOBODY),
  bridge('PUT', '/scim/v2/bulk', NOBODY),
  bridge('PATCH', '/scim/v2/bulk', NOBODY),
  bridge('DELETE', '/scim/v2/bulk', NOBODY),
  bridge('OPTIONS', '/scim/v2/bulk', NOBODY),
  bridge('POST', '/scim/v2/serviceproviderconfig', NOBODY),
  bridge('PUT', '/scim/v2/serviceproviderconfig', NOBODY),
  bridge('PATCH', '/scim/v2/serviceproviderconfig', NOBODY),
  bridge('DELETE', '/scim/v2/serviceproviderconfig', NOBODY),
  bridge('OPTIONS', '/scim/v2/serviceproviderconfig', NOBODY),
  bridge('POST', '/scim/v2/schemas', NOBODY),
  bridge('PUT', '/scim/v2/schemas', NOBODY),
  bridge('PATCH', '/scim/v2/schemas', NOBODY),
  bridge('DELETE', '/scim/v2/schemas', NOBODY),
  bridge('OPTIONS', '/scim/v2/schemas', NOBODY),
  bridge('POST', '/scim/v2/schemas/:id', NOBODY),
  bridge('PUT', '/scim/v2/schemas/:id', NOBODY),
  bridge('PATCH', '/scim/v2/schemas/:id', NOBODY),
  bridge('DELETE', '/scim/v2/schemas/:id', NOBODY),
  bridge('OPTIONS', '/scim/v2/schemas/:id', NOBODY),
  bridge('POST', '/scim/v2/resourcetypes', NOBODY),
  bridge('PUT', '/scim/v2/resourcetypes', NOBODY),
  bridge('PATCH', '/scim/v2/resourcetypes', NOBODY),
  bridge('DELETE', '/scim/v2/resourcetypes', NOBODY),
  bridge('OPTIONS', '/scim/v2/resourcetypes', NOBODY),
  bridge('POST', '/scim/v2/resourcetypes/:name', NOBODY),
  bridge('PUT', '/scim/v2/resourcetypes/:name', NOBODY),
  bridge('PATCH', '/scim/v2/resourcetypes/:name', NOBODY),
  bridge('DELETE', '/scim/v2/resourcetypes/:name', NOBODY),
  bridge('OPTIONS', '/scim/v2/resourcetypes/:name', NOBODY),

  // The account server.
  account('GET', '/', PUBLIC, 'the console: its sign-in page without an administrator’s session'),
  account('GET', '/people', NOBODY, 'an administrator’s console session only'),
  account('GET', '/people/:id', NOBODY, 'an administrator’s console session only'),
  account('POST', '/people/:id/invite', NOBODY, 'an administrator’s console session only'),
  account('POST', '/people/:id/suspend', NOBODY, 'an administrator’s console session only'),
  account('POST', '/people/:id/reactivate', NOBODY, 'an administrator’s console session only'),
  account('POST', '/people/:id/delete', NOBODY, 'an administrator’s console session only'),
  account('POST', '/people/:id/appoint-admin', NOBODY, 'the owner’s console session only'),
  account('POST', '/people/:id/remove-admin', NOBODY, 'the owner’s console session only'),
  account('GET', '/people/:id/confirm', NOBODY, 'an administrator’s console session only'),
  account('POST', '/people/:id/confirm', NOBODY, 'an administrator’s console session only'),
  account('GET', '/admin/key-ring', NOBODY, 'an administrator’s console session only: their own sealed keys'),
  account('GET', '/account', NOBODY, 'an administrator’s console session only: their own account'),
  account('POST', '/account/password', NOBODY, 'an administrator’s console session only: their own password'),
  account('GET', '/provisioning', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/credentials', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/session-file', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/deactivate', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/recreate', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/transfer-groups', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/domains', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/firewall', NOBODY, 'an administrator’s console session only'),
  account(
    'POST',
    '/provisioning/firewall/listed-networks',
    NOBODY,
    'an administrator’s console session only',
  ),
  account('POST', '/provisioning/firewall/:id/remove', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/monitoring-tokens', NOBODY, 'an administrator’s console session only'),
  account(
    'POST',
    '/provisioning/monitoring-tokens/:id/revoke',
    NOBODY,
    'an administrator’s console session only',
  ),
  account('POST', '/provisioning/recipients', NOBODY, 'an administrator’s console session only'),
  account('POST', '/provisioning/monitoring-switch', NOBODY, 'an administrator’s console session only'),
  account('POST', '/admin/signin', PUBLIC, 'the console sign-in: takes the password proof'),
  account('POST', '/admin/signout', PUBLIC),
  account('GET', '/activity', NOBODY, 'an administrator’s console session only'),
  account('GET', '/activity/requests', NOBODY, 'an administrator’s console session only'),
  account('GET', '/activity/requests/:id', NOBODY, 'an administrator’s console session only'),
  account('GET', '/groups', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups', NOBODY, 'an administrator’s console session only'),
  account('GET', '/groups/:id', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/rename', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/managed', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/delete', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/members', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/members/remove', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/members/key', NOBODY, 'an administrator’s console session only'),
  account('POST', '/groups/:id/give-key', NOBODY, 'an administrator’s console session only'),
  account('GET', '/vaults', NOBODY, 'an administrator’s console session only'),
  account('POST', '/vaults', NOBODY, 'an administrator’s console session only'),
  account('GET', '/vaults/:id', NOBODY, 'an administrator’s console session only'),
  account('POST', '/vaults/:id/grants', NOBODY, 'an administrator’s console session only'),
  account('POST', '/vaults/:id/revoke', NOBODY, 'an administrator’s console session only'),
  account('POST', '/vaults/:id/permission', NOBODY, 'an administrator’s console session only'),
  account('GET', '/outbox', NOBODY, 'an administrator’s console session only'),
  account('POST', '/outbox/:id/retry', NOBODY, 'an administrator’s console session only'),
  account('GET', '/ping', PUBLIC),
  account('GET', '/favicon.ico', PUBLIC),
  account('GET', '/metrics', ['monitoring']),
  account('GET', '/member', ['member']),
  account('GET', '/member/keys', ['member']),
  account('GET', '/member/key-ring', ['member']),
  account('GET', '/member/vaults', ['member']),
  account(
    'POST',
    '/member/password',
    NOBODY,
    'a member’s session and its form token: the probe’s empty body carries no token, so even the member is refused',
  ),
  account('GET', '/email-change/:secret', PUBLIC, 'the secret in the path is the credential'),
  account('POST', '/email-change/:secret', PUBLIC, 'the secret in the path is the credential'),
  account('GET', '/signup/:token', PUBLIC, 'the token in the path is the credential'),
  account('POST', '/signup/:token', PUBLIC, 'the token in the path is the credential'),
  account('GET', '/signin', PUBLIC),
  account('POST', '/signin', PUBLIC, 'takes the password proof'),
  account('POST', '/signin/parameters', PUBLIC),
  account('POST', '/signout', PUBLIC),
  account('GET', '/assets/*', PUBLIC, 'the member pages’ script and style, named by content hash'),
  account('POST', '/api/v1/sign-in', PUBLIC, 'the challenge–response sign-in of a bridge'),
  account('POST', '/api/v1/sign-in/challenge', PUBLIC, 'the challenge–response sign-in of a bridge'),
  ...ACCOUNT_API.map(([method, path]) => account(method, path, NOBODY, 'an API session only')),
];

/**
 * The routes a fastify instance registered, from `printRoutes({ commonPrefix: false })`:
 * each line is a fragment of the path below its parent, with its methods in parentheses.
 * HEAD is left out: fastify adds it to every GET.
 */
export function registeredRoutes(printed: string): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^([\s│├└─]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = Math.round(match[1]!.length / 4);
    const path = (depth === 0 ? '' : (stack[depth - 1] ?? '')) + match[2]!;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push({ method, path });
    }
  }
  return routes;
}
