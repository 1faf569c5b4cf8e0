/** One benchmark run at one size, as kept under `.bench/` and rendered into docs/benchmarks.md. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Measurement } from './measure.ts';

export type Database = 'sqlite' | 'postgres';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export interface RunResult {
  version: 1;
  /** ISO timestamp of the end of the run. */
  date: string;
  machine: MachineInfo;
  database: Database;
  users: number;
  concurrency: number;
  /** The command that reproduces the run. */
  command: string;
  measurements: Measurement[];
  /** Largest peak RSS over every step of the run, setup included. */
  peakRssMiB: number;
  /** Failed requests over every step; anything but 0 makes the run's figures suspect. */
  failedRequests: number;
}

export function describeMachine(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function resultFileName(database: Database, users: number): string {
  return `latest-${database}-${users}.json`;
}

/**
 * Keeps the run under its own name and, unless it was profiled (the profiler inflates CPU
 * figures), as the latest run of its size, which is what docs/benchmarks.md is built from.
 * Returns the run's own file first.
 */
export async function saveResult(directory: string, result: RunResult, profiled: boolean): Promise<string[]> {
  const stamp = result.date.replace(/[:.]/g, '-');
  const files = [
    path.join(
      directory,
      `run-${result.database}-${result.users}-${stamp}${profiled ? '-profiled' : ''}.json`,
    ),
  ];
  if (!profiled) files.push(path.join(directory, resultFileName(result.database, result.users)));
  const text = `${JSON.stringify(result, null, 2)}\n`;
  for (const file of files) await writeFile(file, text);
  return files;
}

/** The latest run of each size for one database, smallest size first. */
export async function loadLatestResults(
  directory: string,
  database: Database,
): Promise<Map<number, RunResult>> {
  const runs = new Map<number, RunResult>();
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return runs;
  }
  const pattern = new RegExp(`^latest-${database}-(\\d+)\\.json$`);
  const sizes = names
    .map((name) => pattern.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
  for (const size of sizes) {
    const result = JSON.parse(
      await readFile(path.join(directory, resultFileName(database, size)), 'utf8'),
    ) as RunResult;
    if (result.version === 1) runs.set(size, result);
  }
  return runs;
}
