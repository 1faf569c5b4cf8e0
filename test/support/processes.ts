/**
 * Runs scimbridge commands as real child processes (`node --import tsx src/cli/main.ts …`),
 * the way operators run them, and keeps their output lines for the test to read.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');
const COMPILED_CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

/** The newest modification time of any file under `dir`, in ms. */
function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : statSync(full).mtimeMs);
  }
  return newest;
}

let compiledIsCurrent: boolean | undefined;

/**
 * Whether dist/ (`npm run build`) was built after the last change under src/. Only then may a
 * test run it in place of the sources: a stale build would test yesterday's code.
 */
export function compiledCliIsCurrent(): boolean {
  if (compiledIsCurrent === undefined) {
    let built: number | undefined;
    try {
      built = statSync(COMPILED_CLI).mtimeMs;
    } catch {}
    compiledIsCurrent = built !== undefined && built > newestChange(path.join(ROOT, 'src'));
  }
  return compiledIsCurrent;
}

export interface SpawnOptions {
  /**
   * Run `node dist/cli/main.js` when the build is current (compiledCliIsCurrent), as
   * production does, instead of the sources through tsx: a process then starts in about a
   * second instead of compiling TypeScript first, which matters where a test starts many.
   */
  preferCompiled?: boolean;
}

const cliArgs = (options: SpawnOptions) =>
  options.preferCompiled && compiledCliIsCurrent() ? [COMPILED_CLI] : ['--import', 'tsx', CLI];

export interface CliProcess {
  child: ChildProcess;
  /** Every line of stdout and stderr so far. */
  lines: string[];
  /** Resolves with the first line (seen or future) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): CliProcess {
  return spawnArgs([...cliArgs(options), ...args], {
    PATH: process.env.PATH ?? '',
    SCIMBRIDGE_LOG_LEVEL: 'info',
    ...env,
  });
}

/** `node <args>` from the repository root with exactly `env`. */
export function spawnArgs(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onText = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        for (const waiter of waiters) {
          if (waiter.pattern.test(line)) {
            waiters.delete(waiter);
            waiter.resolve(line);
          }
        }
      }
    });
  };
  onText(child.stdout!);
  onText(child.stderr!);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    // Generous: a child compiling TypeScript through tsx on a loaded machine starts slowly; a
    // child that dies fails the wait at once.
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.slice(-20).join('\n')}`,
            ),
          );
        }, timeoutMs);
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(
            new Error(
              `process exited before a line matching ${pattern}; output:\n${lines.slice(-20).join('\n')}`,
            ),
          );
        });
        const original = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          original(line);
        };
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a short command to its end; resolves with its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<{ code: number | null; output: string }> {
  const running = spawnCli(args, env, options);
  const code = await running.exited;
  return { code, output: running.lines.join('\n') };
}

/**
 * Runs a short command to its end with exactly `env`; resolves with its exit code and its
 * stdout and stderr apart.
 */
export async function execCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      {
        cwd: ROOT,
        env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A loopback port that was free a moment ago (for a server that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
