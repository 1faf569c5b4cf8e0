/** Workspace directory via Google's client libraries (research §4.3 G1–G4); their retries sleep on the real clock, so they are off and `withBackoff` retries on injected time (G6). */
import type { admin_directory_v1 } from '@googleapis/admin';
import type { gaxios as GaxiosModule } from 'google-auth-library';
import { type Backoff, withBackoff } from './backoff.ts';
import { classifyGoogleFailure, GoogleSyncError } from './errors.ts';
import type { ServiceAccountKey } from './key-file.ts';

export const DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
];
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface GoogleUser {
  id: string;
  primaryEmail: string;
  givenName: string | null;
  familyName: string | null;
  fullName: string | null;
  suspended: boolean;
}

export interface GoogleGroup {
  id: string;
  email: string;
  name: string;
}

export interface GoogleMember {
  id: string;
  email: string | null;
  type: string;
}

export interface GoogleDirectory {
  listUsers(onPage?: (soFar: number) => void): Promise<GoogleUser[]>;
  /** Every group of the customer: what the settings offer to choose from. */
  listGroups(): Promise<GoogleGroup[]>;
  getGroup(email: string): Promise<GoogleGroup>;
  /** The group's members, nested groups' members included. */
  listMembers(groupEmail: string): Promise<GoogleMember[]>;
}

export interface GoogleDirectoryOptions {
  key: ServiceAccountKey;
  /** The administrator the service account acts as (JWT `sub`). */
  admin: string;
  backoff: Backoff;
  /** Where the Directory API answers (tests: the local fake); Google's by default. */
  rootUrl?: string | undefined;
  /** Where access tokens come from (tests: the local fake); Google's by default. */
  tokenUrl?: string | undefined;
  /** Per request; Google's members.list may run long on big groups. */
  timeoutMs?: number;
}

const USERS_PAGE = 500;
const GROUPS_PAGE = 200;

export async function createGoogleDirectory(options: GoogleDirectoryOptions): Promise<GoogleDirectory> {
  // Loaded on first use: a bridge that never syncs Google never pays for the API surface.
  const [{ admin }, { JWT, gaxios }] = await Promise.all([
    import('@googleapis/admin'),
    import('google-auth-library'),
  ]);
  const transporter = quietTransporter(gaxios, options.tokenUrl);
  const auth = new JWT({
    email: options.key.clientEmail,
    key: options.key.privateKey,
    ...(options.key.privateKeyId ? { keyId: options.key.privateKeyId } : {}),
    scopes: DIRECTORY_SCOPES,
    subject: options.admin,
    transporter,
  });
  const api = admin({
    version: 'directory_v1',
    // The API package pins its own auth library copy; only `request`, shared by both, is used.
    auth: auth as unknown as admin_directory_v1.Options['auth'],
    retry: false,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.rootUrl
      ? { rootUrl: options.rootUrl.endsWith('/') ? options.rootUrl : `${options.rootUrl}/` }
      : {}),
  });
  const tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;
  const call = <T>(what: string, request: () => Promise<{ data: T }>): Promise<T> =>
    withBackoff(options.backoff, async () => {
      try {
        return (await request()).data;
      } catch (error) {
        throw classifyGoogleFailure(error, { what, tokenUrl, admin: options.admin, key: options.key });
      }
    });

  async function allPages<P extends { nextPageToken?: string | null }, T>(
    what: string,
    page: (pageToken: string | undefined) => Promise<{ data: P }>,
    items: (data: P) => T[],
    onPage?: (soFar: number) => void,
  ): Promise<T[]> {
    const all: T[] = [];
    let pageToken: string | undefined;
    const seen = new Set<string>();
    do {
      const data = await call(what, () => page(pageToken));
      all.push(...items(data));
      onPage?.(all.length);
      pageToken = data.nextPageToken ?? undefined;
      // A token that comes back twice would loop for ever: Google's answer is broken.
      if (pageToken !== undefined && seen.has(pageToken)) {
        throw new GoogleSyncError(
          'google_unavailable',
          `Google returned the same page token twice while reading ${what}`,
        );
      }
      if (pageToken !== undefined) seen.add(pageToken);
    } while (pageToken);
    return all;
  }

  return {
    listUsers: (onPage) =>
      allPages<admin_directory_v1.Schema$Users, GoogleUser>(
        'users',
        (pageToken) =>
          api.users.list({
            customer: 'my_customer',
            maxResults: USERS_PAGE,
            orderBy: 'email',
            projection: 'basic',
            pageToken,
          }),
        (data) => (data.users ?? []).flatMap(userOf),
        onPage,
      ),
    listGroups: () =>
      allPages<admin_directory_v1.Schema$Groups, GoogleGroup>(
        'groups',
        (pageToken) => api.groups.list({ customer: 'my_customer', maxResults: GROUPS_PAGE, pageToken }),
        (data) => (data.groups ?? []).flatMap(groupOf),
      ),
    getGroup: async (email) => {
      const found = groupOf(await call(`group ${email}`, () => api.groups.get({ groupKey: email })));
      if (found.length === 0)
        throw new GoogleSyncError('google_unavailable', `Google's answer for group ${email} has no id`);
      return found[0] as GoogleGroup;
    },
    listMembers: (groupEmail) =>
      allPages<admin_directory_v1.Schema$Members, GoogleMember>(
        `members of ${groupEmail}`,
        (pageToken) =>
          api.members.list({
            groupKey: groupEmail,
            maxResults: GROUPS_PAGE,
            includeDerivedMembership: true,
            pageToken,
          }),
        (data) =>
          (data.members ?? []).flatMap((member) =>
            typeof member.id === 'string'
              ? [{ id: member.id, email: member.email ?? null, type: member.type ?? 'USER' }]
              : [],
          ),
      ),
  };
}

function userOf(user: admin_directory_v1.Schema$User): GoogleUser[] {
  if (typeof user.id !== 'string' || typeof user.primaryEmail !== 'string') return [];
  return [
    {
      id: user.id,
      primaryEmail: user.primaryEmail,
      givenName: user.name?.givenName ?? null,
      familyName: user.name?.familyName ?? null,
      fullName: user.name?.fullName ?? null,
      suspended: user.suspended === true || user.archived === true,
    },
  ];
}

function groupOf(group: admin_directory_v1.Schema$Group): GoogleGroup[] {
  if (typeof group.id !== 'string' || typeof group.email !== 'string') return [];
  return [{ id: group.id, email: group.email.toLowerCase(), name: group.name ?? group.email }];
}

/** One HTTP client: library retries off (ours use the injected clock), and tokens sent to `tokenUrl`, which the auth library has no option for. */
function quietTransporter(gaxios: typeof GaxiosModule, tokenUrl: string | undefined): GaxiosModule.Gaxios {
  const transporter = new gaxios.Gaxios();
  transporter.interceptors.request.add({
    resolved: async (config) => {
      config.retry = false;
      config.retryConfig = { retry: 0, noResponseRetries: 0 };
      if (tokenUrl && String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUrl);
      return config;
    },
  });
  return transporter;
}
