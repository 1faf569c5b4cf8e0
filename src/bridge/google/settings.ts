/** The Google sync's settings, kept on the bridge (the account never talks to Google); written via temp file and rename so a crash never leaves half a file. The key is never written here. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const GOOGLE_SETTINGS_FILE_NAME = 'google-sync.json';

export interface GoogleSyncSettings {
  /** The Workspace administrator the service account acts as (the JWT `sub`). */
  admin: string | null;
  /** Group e-mail addresses, lower-cased, sorted. */
  groups: string[];
  /** On only after the administrator confirmed a preview of `approvedGroups`. */
  enabled: boolean;
  /** The groups whose preview was confirmed; the sync pauses while `groups` differs. */
  approvedGroups: string[];
  approvedAt: string | null;
  /** Suspensions confirmed by count with the last approval: the next run may exceed the mass-suspension guard by that many, once. */
  approvedSuspensions: number | null;
}

export const EMPTY_SETTINGS: GoogleSyncSettings = {
  admin: null,
  groups: [],
  enabled: false,
  approvedGroups: [],
  approvedAt: null,
  approvedSuspensions: null,
};

export class GoogleSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoogleSettingsError';
  }
}

const ADDRESS = /^[^@\s]{1,64}@[^@\s]{1,255}$/;

export function normaliseAddress(value: string, what: string): string {
  const trimmed = value.trim().toLowerCase();
  if (!ADDRESS.test(trimmed))
    throw new GoogleSettingsError(`${what} must be an e-mail address, not "${value.slice(0, 80)}"`);
  return trimmed;
}

export function normaliseGroups(values: readonly string[]): string[] {
  if (values.length > 200) throw new GoogleSettingsError('at most 200 Google groups can be synced');
  return [...new Set(values.map((value) => normaliseAddress(value, 'a Google group')))].sort();
}

export function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Whether scheduled runs may change the account now. */
export function syncActive(settings: GoogleSyncSettings): boolean {
  return (
    settings.enabled && settings.groups.length > 0 && sameGroups(settings.groups, settings.approvedGroups)
  );
}

export class GoogleSettingsFile {
  constructor(readonly path: string) {}

  async read(): Promise<GoogleSyncSettings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_SETTINGS };
      throw new GoogleSettingsError(
        `cannot read the Google sync settings ${this.path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
    try {
      return checkSettings(JSON.parse(text));
    } catch (error) {
      const why = error instanceof GoogleSettingsError ? error.message : 'it is not JSON';
      throw new GoogleSettingsError(
        `the Google sync settings ${this.path} are damaged (${why}); choose them again`,
      );
    }
  }

  async write(settings: GoogleSyncSettings): Promise<void> {
    const checked = checkSettings(settings);
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.path);
  }

  async update(change: (current: GoogleSyncSettings) => GoogleSyncSettings): Promise<GoogleSyncSettings> {
    const next = change(await this.read());
    await this.write(next);
    return next;
  }
}

function checkSettings(value: unknown): GoogleSyncSettings {
  if (typeof value !== 'object' || value === null) throw new GoogleSettingsError('not an object');
  const raw = value as Record<string, unknown>;
  const list = (field: unknown): string[] => {
    if (!Array.isArray(field) || field.some((item) => typeof item !== 'string')) {
      throw new GoogleSettingsError('a group list is not a list of addresses');
    }
    return normaliseGroups(field as string[]);
  };
  return {
    admin: typeof raw.admin === 'string' ? normaliseAddress(raw.admin, 'the administrator') : null,
    groups: list(raw.groups ?? []),
    enabled: raw.enabled === true,
    approvedGroups: list(raw.approvedGroups ?? []),
    approvedAt: typeof raw.approvedAt === 'string' ? raw.approvedAt : null,
    approvedSuspensions:
      typeof raw.approvedSuspensions === 'number' &&
      Number.isInteger(raw.approvedSuspensions) &&
      raw.approvedSuspensions >= 0
        ? raw.approvedSuspensions
        : null,
  };
}
