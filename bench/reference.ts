/**
 * `npm run bench -- --reference`: scimbridge and the reference SCIM server side by side, in
 * one sitting, driven by the same workload driver (`scim-bench.mjs` of the shared bench
 * folder, which reads each server's CPU time from /proc/<pid>/stat). Each side runs
 * `--repeats` times, alternating which goes first; the table gives the medians and the ratio
 * ours/reference of server CPU per request, the figure issue 15's bars are set in.
 *
 * The reference is installed by `bash <bench dir>/setup.sh` (REF_DIR, default
 * ../scim-reference); `--bench-dir` and `--reference-dir` say where they are.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describeMachine } from './result.ts';
import { startServerUnderTest } from './server-process.ts';

/** A folder next to the repository (or next to the worktrees' folder, for a worktree). */
export const besideRepo = (root: string, name: string) =>
  [path.resolve(root, '..', name), path.resolve(root, '..', '..', name)].find((dir) => existsSync(dir)) ??
  path.resolve(root, '..', name);

export interface ReferenceOptions {
  users: number;
  /** The server's entry (bench/compiled-server.ts); the TypeScript sources when undefined. */
  script: string | undefined;
  concurrency: number;
  repeats: number;
  benchDir: string;
  referenceDir: string;
  log: (line: string) => void;
}

/** One row of the driver's JSON summary (the fields we read). */
interface DriverRow {
  workload: string;
  ops: number;
  errors: number;
  items_per_s?: number;
  server_cpu_ms_per_op?: number;
  mem?: { VmHWM_MiB?: number };
}

export interface Side {
  label: 'scimbridge' | 'reference';
  rows: DriverRow[];
}

/** A bar of issue 15: which driver row, and whether the figure is CPU ms (lower wins) or members/s. */
interface Bar {
  name: string;
  row: RegExp;
  figure: 'cpu' | 'items';
  limit: number;
}

export const BARS: readonly Bar[] = [
  { name: 'W1 create', row: /^W1 /, figure: 'cpu', limit: 2.0 },
  { name: 'W2 userName eq', row: /^W2 /, figure: 'cpu', limit: 1.5 },
  { name: 'W3 one member per PATCH (add)', row: /^W3b /, figure: 'cpu', limit: 1.2 },
  { name: 'W3 one member per PATCH (remove)', row: /^W3d /, figure: 'cpu', limit: 1.2 },
  { name: 'W3 fifty members per PATCH (members/s)', row: /^W3c /, figure: 'items', limit: 1.0 },
  { name: 'W3 fifty members per PATCH (CPU per PATCH)', row: /^W3c /, figure: 'cpu', limit: Infinity },
  { name: 'W4 page of 100', row: /^W4 /, figure: 'cpu', limit: 1.5 },
  { name: 'W5 deactivate', row: /^W5 /, figure: 'cpu', limit: 2.0 },
];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function figureOf(side: Side, bar: Bar): number | undefined {
  const row = side.rows.find((candidate) => bar.row.test(candidate.workload));
  if (!row || row.errors > 0) return undefined;
  return bar.figure === 'cpu' ? row.server_cpu_ms_per_op : row.items_per_s;
}

/** The medians of each side and the ratio per bar, as a Markdown table. */
export function referenceMarkdown(sides: Side[]): string {
  const lines = [
    '| workload | reference | scimbridge | ratio | bar | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const bar of BARS) {
    const of = (label: Side['label']) => {
      const values = sides
        .filter((side) => side.label === label)
        .map((side) => figureOf(side, bar))
        .filter((value): value is number => value !== undefined);
      return values.length ? median(values) : undefined;
    };
    const ours = of('scimbridge');
    const theirs = of('reference');
    const unit = bar.figure === 'cpu' ? ' ms' : '/s';
    const show = (value: number | undefined) =>
      value === undefined
        ? 'failed'
        : `${bar.figure === 'cpu' ? value.toFixed(3) : Math.round(value)}${unit}`;
    const ratio = ours !== undefined && theirs !== undefined && theirs > 0 ? ours / theirs : undefined;
    const barText = bar.limit === Infinity ? '–' : bar.figure === 'cpu' ? `≤ ${bar.limit}` : `≥ ${bar.limit}`;
    const met =
      ratio === undefined
        ? 'failed'
        : bar.limit === Infinity
          ? ''
          : (bar.figure === 'cpu' ? ratio <= bar.limit : ratio >= bar.limit)
            ? 'met'
            : '**not met**';
    lines.push(
      `| ${bar.name} | ${show(theirs)} | ${show(ours)} | ${ratio === undefined ? '–' : ratio.toFixed(2)} | ${barText} | ${met} |`,
    );
  }
  const peak = (label: Side['label']) =>
    Math.max(
      0,
      ...sides
        .filter((side) => side.label === label)
        .flatMap((side) => side.rows.map((row) => row.mem?.VmHWM_MiB ?? 0)),
    );
  lines.push(`| peak RSS (VmHWM) | ${peak('reference')} MiB | ${peak('scimbridge')} MiB | | | |`);
  return lines.join('\n');
}

/** A free loopback port chosen by the OS, for the reference server (it takes PORT only). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startReference(dir: string, token: string) {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(dir, 'server.js')], {
    env: { ...process.env, PORT: String(port), SCIM_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the reference server did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the reference server exited (code ${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('reference server on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    pid: child.pid!,
    baseUrl: `http://127.0.0.1:${port}/scim/v2`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the driver once against a server and returns its summary rows. */
async function drive(
  options: ReferenceOptions,
  target: { baseUrl: string; token: string; pid: number; label: string },
): Promise<DriverRow[]> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'scimbridge-ref-'));
  const jsonFile = path.join(scratch, 'result.jsonl');
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [path.join(options.benchDir, 'scim-bench.mjs')], {
        env: {
          ...process.env,
          SCIM_BASE_URL: target.baseUrl,
          SCIM_TOKEN: target.token,
          BENCH_N: String(options.users),
          BENCH_C: String(options.concurrency),
          // 200 members per group (the driver's default) makes 20 batch PATCHes: too few to
          // read a CPU clock that ticks every 10 ms. More of the same requests, same shape
          // (BENCH_M in the environment overrides it).
          BENCH_M: process.env.BENCH_M || String(Math.min(options.users, 2000)),
          BENCH_PID: String(target.pid),
          BENCH_LABEL: target.label,
          BENCH_JSON: jsonFile,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('exit', resolve);
    });
    if (code !== 0) options.log(`!!! the driver exited with ${code} against ${target.label}`);
    const lines = (await readFile(jsonFile, 'utf8')).trim().split('\n');
    return (JSON.parse(lines.at(-1)!) as { rows: DriverRow[] }).rows;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function runOurs(options: ReferenceOptions): Promise<Side> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scimbridge-bench-'));
  try {
    const server = await startServerUnderTest({
      ...(options.script ? { script: options.script } : {}),
      args: ['--data-dir', dataDir],
      startTimeoutMs: 60_000,
    });
    try {
      const rows = await drive(options, {
        baseUrl: `${server.bridgeAddress}/scim/v2`,
        token: server.token,
        pid: server.pid,
        label: 'scimbridge',
      });
      return { label: 'scimbridge', rows };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function runReference(options: ReferenceOptions): Promise<Side> {
  const token = randomBytes(16).toString('hex');
  const server = await startReference(options.referenceDir, token);
  try {
    const rows = await drive(options, {
      baseUrl: server.baseUrl,
      token,
      pid: server.pid,
      label: 'reference',
    });
    return { label: 'reference', rows };
  } finally {
    await server.stop();
  }
}

export async function runReferenceComparison(options: ReferenceOptions): Promise<Side[]> {
  for (const [what, file] of [
    ['the workload driver', path.join(options.benchDir, 'scim-bench.mjs')],
    ['the reference server', path.join(options.referenceDir, 'server.js')],
  ] as const) {
    if (!existsSync(file))
      throw new Error(`${what} is not at ${file} (bash ${options.benchDir}/setup.sh installs the reference)`);
  }
  const sides: Side[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const order = repeat % 2 === 0 ? [runOurs, runReference] : [runReference, runOurs];
    for (const run of order) {
      options.log(
        `\nrepeat ${repeat + 1} of ${options.repeats}: ${run === runOurs ? 'scimbridge' : 'reference'}`,
      );
      sides.push(await run(options));
    }
  }
  return sides;
}

/** `npm run bench -- --reference`: each size in turn; the table is printed and kept in `.bench/`. */
export async function runAgainstReference(
  options: Omit<ReferenceOptions, 'users' | 'log'> & { users: number[]; resultsDir: string },
): Promise<number> {
  for (const users of options.users) {
    const log = (line: string) => console.log(line);
    const sides = await runReferenceComparison({ ...options, users, log });
    const table = referenceMarkdown(sides);
    console.log(
      `\nN = ${users.toLocaleString('en')}, C = ${options.concurrency}, medians of ${options.repeats}:`,
    );
    console.log(table);
    const date = new Date().toISOString();
    const file = path.join(options.resultsDir, `reference-${users}-${date.replace(/[:.]/g, '-')}.json`);
    await writeFile(
      file,
      `${JSON.stringify({ date, machine: describeMachine(), users, sides, table }, null, 2)}\n`,
    );
    console.log(`saved ${file}`);
  }
  return 0;
}
