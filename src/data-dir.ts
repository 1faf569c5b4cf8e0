/** The data directory is created private (0700/0600) and checked at start (issue 12): group/other access warns (Kubernetes `fsGroup` grants group access), other-writable or a readable outbox key refuses start. */
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface PermissionFinding {
  path: string;
  /** The permission bits found, e.g. 0o644. */
  mode: number;
  severity: 'warning' | 'refusal';
  /** One line: what is wrong and the command that fixes it. */
  message: string;
}

/** Creates the directory (and parents) 0700 when it does not exist yet; an existing one is left as it is. */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIRECTORY_MODE });
}

/** Creates an empty file 0600 unless it exists (the umask can only narrow the mode further). */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', FILE_MODE));
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** What is wrong with the modes of `dir` and its files; reading `strictFiles` by others refuses too (the outbox key). */
export function checkDataDir(dir: string, strictFiles: readonly string[] = []): PermissionFinding[] {
  let dirStats: Stats;
  try {
    dirStats = lstatSync(dir);
  } catch {
    return [];
  }
  const findings: PermissionFinding[] = [];
  const own = (stats: Stats) => typeof process.getuid !== 'function' || stats.uid === process.getuid();
  if (dirStats.isDirectory() && own(dirStats)) {
    const mode = dirStats.mode & 0o777;
    if (mode & 0o002) {
      findings.push({
        path: dir,
        mode,
        severity: 'refusal',
        message: `the data directory ${dir} is writable by other users (mode ${octal(mode)}); run: chmod 700 ${dir}`,
      });
    } else if (mode & 0o077) {
      findings.push({
        path: dir,
        mode,
        severity: 'warning',
        message: `the data directory ${dir} is open to ${mode & 0o007 ? 'other users' : 'its group'} (mode ${octal(mode)}); run: chmod 700 ${dir}`,
      });
    }
  }
  if (!dirStats.isDirectory()) return findings;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    let stats: Stats;
    try {
      stats = lstatSync(file);
    } catch {
      continue;
    }
    if (!stats.isFile() || !own(stats)) continue;
    const mode = stats.mode & 0o777;
    const strict = strictFiles.includes(name);
    if (mode & 0o002 || (strict && mode & 0o004)) {
      findings.push({
        path: file,
        mode,
        severity: 'refusal',
        message: `${file} is ${mode & 0o002 ? 'writable' : 'readable'} by other users (mode ${octal(mode)}); run: chmod 600 ${file}`,
      });
    } else if (mode & 0o077) {
      findings.push({
        path: file,
        mode,
        severity: 'warning',
        message: `${file} is open to ${mode & 0o007 ? 'other users' : 'its group'} (mode ${octal(mode)}); run: chmod 600 ${file}`,
      });
    }
  }
  return findings;
}
