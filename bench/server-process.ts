/**
 * The parent's handle on the server under test: starts it as a child process, asks it for
 * its CPU clock over IPC, reads its peak memory from /proc, and makes sure it never outlives
 * the benchmark (normal end, error, Ctrl-C).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FromServer, ToServer } from './server-protocol.ts';
import type { CpuTimes } from './stats.ts';

export interface ServerUsage {
  cpu: CpuTimes;
  rssBytes: number;
}

export interface ServerUnderTest {
  pid: number;
  bridgeAddress: string;
  /** Every bridge replica's address (one unless the server runs `--bridges N`); the load spreads over them. */
  bridgeAddresses: string[];
  token: string;
  usage(): Promise<ServerUsage>;
  /** Starts the server's V8 CPU profiler (the stand-in test servers do not implement it). */
  startProfile(): Promise<void>;
  /** Stops it and has the server write the `.cpuprofile` to `file`. */
  stopProfile(file: string): Promise<void>;
  /** Creates users 0 … `users` − 1 in bulk (bench/seed.ts); their ids in that order (the stand-ins do not implement it). */
  seed(users: number): Promise<string[]>;
  /**
   * Starts a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM). False when
   * the kernel refused; peaks then count from the start of the process.
   */
  resetPeakRss(): boolean;
  /** Peak resident memory since the last reset (VmHWM), or undefined off Linux. */
  peakRssBytes(): number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The child's entry module; bench/server.ts unless a test passes a stand-in. */
  script?: string;
  args: string[];
  startTimeoutMs: number;
}

const DEFAULT_SCRIPT = fileURLToPath(new URL('./server.ts', import.meta.url));
const REPLY_TIMEOUT_MS = 30_000;
/** A million users on a loaded 2-core machine. */
const SEED_TIMEOUT_MS = 3 * 3600_000;
const STOP_GRACE_MS = 15_000;

function readStatusKib(pid: number, field: string): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

const live = new Set<ChildProcess>();
// Last resort: whatever happens to the benchmark, no server is left behind.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function startServerUnderTest(options: StartOptions): Promise<ServerUnderTest> {
  // A compiled entry (bench/compiled-server.ts) runs on plain node, as production does.
  // The young-generation cap deploy/Dockerfile runs with: 4 MiB semi-spaces save ~20 MiB RSS.
  const flags = ['--max-semi-space-size=4'];
  const execArgv = options.script?.endsWith('.mjs')
    ? flags
    : [...flags, '--import', import.meta.resolve('tsx')];
  const child = fork(options.script ?? DEFAULT_SCRIPT, options.args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error('the server process did not start'));

  let nextId = 1;
  const waiting = new Map<number, (reply: FromServer) => void>();
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
  });

  const ask = (message: ToServer) => {
    if (!exited && child.connected) child.send(message);
  };

  /** Sends a question and waits for the answer with the same id. */
  const request = (
    what: string,
    message: (id: number) => ToServer,
    timeoutMs = REPLY_TIMEOUT_MS,
  ): Promise<FromServer> =>
    new Promise((resolveReply, rejectReply) => {
      if (exited) return rejectReply(new Error('the server has exited'));
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        rejectReply(new Error(`the server did not answer: ${what}`));
      }, timeoutMs);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolveReply(reply);
      });
      ask(message(id));
    });

  const expectDone = async (what: string, message: (id: number) => ToServer) => {
    const reply = await request(what, message);
    if (reply.type === 'done' && reply.error) throw new Error(`${what}: ${reply.error}`);
  };

  const stop = async () => {
    if (exited) return;
    ask({ type: 'close' });
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exit;
    clearTimeout(grace);
  };

  return new Promise((resolve, reject) => {
    const startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not report ready within ${options.startTimeoutMs} ms`));
    }, options.startTimeoutMs);

    child.once('exit', (code, signal) => {
      clearTimeout(startTimer);
      reject(new Error(`the server exited before it was ready (code ${code}, signal ${signal})`));
    });

    child.on('message', (message: FromServer) => {
      if (message.type === 'usage' || message.type === 'done' || message.type === 'seeded') {
        const waiter = waiting.get(message.id);
        waiting.delete(message.id);
        waiter?.(message);
      } else if (message.type === 'failed') {
        clearTimeout(startTimer);
        child.kill('SIGKILL');
        reject(new Error(`the server failed to start:\n${message.message}`));
      } else if (message.type === 'ready') {
        clearTimeout(startTimer);
        resolve({
          pid,
          bridgeAddress: message.bridgeAddress,
          bridgeAddresses: message.bridgeAddresses ?? [message.bridgeAddress],
          token: message.token,
          async usage() {
            const reply = await request('CPU time', (id) => ({ type: 'usage', id }));
            if (reply.type !== 'usage')
              throw new Error(`the server answered ${reply.type} to a usage question`);
            return { cpu: reply.cpu, rssBytes: reply.rssBytes };
          },
          startProfile: () => expectDone('start profiling', (id) => ({ type: 'profile-start', id })),
          stopProfile: (file) => expectDone('stop profiling', (id) => ({ type: 'profile-stop', id, file })),
          async seed(users) {
            const reply = await request('seed users', (id) => ({ type: 'seed', id, users }), SEED_TIMEOUT_MS);
            if (reply.type !== 'seeded')
              throw new Error(`seeding failed: ${reply.type === 'done' ? reply.error : reply.type}`);
            return (await readFile(reply.idsFile, 'utf8')).split('\n').filter(Boolean);
          },
          resetPeakRss() {
            try {
              writeFileSync(`/proc/${pid}/clear_refs`, '5');
              return true;
            } catch {
              return false;
            }
          },
          peakRssBytes() {
            const kib = readStatusKib(pid, 'VmHWM');
            return kib === undefined ? undefined : kib * 1024;
          },
          stop,
        });
      }
    });
  });
}
