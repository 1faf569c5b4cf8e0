/** The IPC messages between the benchmark (parent) and the server under test (child). */
import type { CpuTimes } from './stats.ts';

export type ToServer = { type: 'usage'; id: number } | { type: 'close' };

export type FromServer =
  | { type: 'ready'; bridgeAddress: string; token: string }
  | { type: 'usage'; id: number; cpu: CpuTimes; rssBytes: number }
  | { type: 'failed'; message: string };
