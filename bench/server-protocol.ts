/** The IPC messages between the benchmark (parent) and the server under test (child). */
import type { CpuTimes } from './stats.ts';

export type ToServer =
  | { type: 'usage'; id: number }
  /** Start the V8 CPU profiler; `file` on stop is where the `.cpuprofile` goes. */
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; file: string }
  | { type: 'close' };

export type FromServer =
  /** `bridgeAddresses`: every bridge replica's (split mode, `--bridges N`); else just `bridgeAddress`. */
  | { type: 'ready'; bridgeAddress: string; bridgeAddresses?: string[]; token: string }
  | { type: 'usage'; id: number; cpu: CpuTimes; rssBytes: number }
  | { type: 'done'; id: number; error?: string }
  | { type: 'failed'; message: string };
