/**
 * Per-workload CPU profiles inside the server under test: the parent starts and stops the
 * V8 profiler around one workload, so each profile shows that workload alone (a whole-run
 * `--cpu-prof` would mix user creation into every other workload).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

let session: Session | undefined;

export async function startProfiling(): Promise<void> {
  if (!session) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    // 0.25 ms between samples: fine enough for sub-millisecond requests.
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
  }
  await session.post('Profiler.start');
}

export async function stopProfiling(file: string): Promise<void> {
  if (!session) throw new Error('the profiler was not started');
  const { profile } = await session.post('Profiler.stop');
  await writeFile(file, JSON.stringify(profile));
}
