/** The IPC messages between the benchmark (parent) and the server under test (child). */
import type { CpuTimes } from './stats.ts';

export type ToServer =
  | { type: 'usage'; id: number }
  /** Start the V8 CPU profiler; `file` on stop is where the `.cpuprofile` goes. */
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; file: string }
  /** Create users 0 … `users` − 1 through the account's create use case, in bulk (bench/seed.ts). */
  | { type: 'seed'; id: number; users: number }
  | { type: 'close' };

export type FromServer =
  /** `bridgeAddresses`: every bridge replica's (split mode, `--bridges N`); else just `bridgeAddress`. */
  | { type: 'ready'; bridgeAddress: string; bridgeAddresses?: string[]; token: string }
  | { type: 'usage'; id: number; cpu: CpuTimes; rssBytes: number }
  | { type: 'done'; id: number; error?: string }
  /** `idsFile`: the seeded members' ids, one per line, in the order of their user index. */
  | { type: 'seeded'; id: number; idsFile: string }
  | { type: 'failed'; message: string };
