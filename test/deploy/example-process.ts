/**
 * Processes started with exactly the given environment (plus PATH), from the repository root
 * as the image's WORKDIR, by the command line the deployment file gives after `node`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { type CliProcess, spawnArgs } from '../support/processes.ts';

export type { CliProcess };

const ROOT = path.join(import.meta.dirname, '..', '..');

export function spawnWith(args: string[], env: Record<string, string>): CliProcess {
  return spawnArgs(args, { PATH: process.env.PATH ?? '', ...env });
}

export async function execCliWith(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
