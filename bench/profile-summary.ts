/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and lists where the time went by function
 * self time, so a run can name its hot spot without opening DevTools.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  function: string;
  /** Share of all samples, idle included. */
  percent: number;
  selfMs: number;
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/(node_modules\/)/, '$1')
    .replace(/^.*\/(src|bench)\//, '$1/');
  return `${name} ${file}:${lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, top: number): HotSpot[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, number>();
  let totalMicros = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    totalMicros += delta;
    const node = byId.get(id);
    if (!node) return;
    const key = describe(node);
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
  });
  return [...selfMicros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({
      function: name,
      percent: (100 * micros) / totalMicros,
      selfMs: micros / 1000,
    }));
}

export async function summarizeProfileFile(file: string, top = 25): Promise<HotSpot[]> {
  return summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, top);
}
