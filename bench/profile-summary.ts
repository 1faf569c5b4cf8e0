/**
 * Reads a V8 `.cpuprofile` and lists where the busy time went, by function self time and by
 * module (our files, each package, Node internals), so a run can name its hot spot without
 * opening DevTools. Idle samples are left out of the shares.
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
  name: string;
  /** Share of busy (non-idle) samples. */
  percent: number;
  selfMs: number;
}

export interface ProfileSummary {
  busyMs: number;
  functions: HotSpot[];
  modules: HotSpot[];
  /**
   * Native time (SQLite statements, socket writes …) charged to the nearest calling function
   * of ours (src/), which names the query or write that costs: `run` alone does not.
   */
  nativeByCaller: HotSpot[];
}

function shortFile(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/(src|bench)\//, '$1/');
}

/** `node_modules/<package>`, `src/<file>`, `node:internal`, or the V8 pseudo-frame's name. */
function moduleOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const file = shortFile(url);
  const scoped = /^node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(file);
  return scoped ? `node_modules/${scoped[1]}` : file;
}

function functionOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  return url ? `${name} ${shortFile(url)}:${lineNumber + 1}` : name;
}

function top(totals: Map<string, number>, busyMicros: number, count: number): HotSpot[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, percent: (100 * micros) / busyMicros, selfMs: micros / 1000 }));
}

export function summarizeProfile(profile: CpuProfile, count: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const ourCaller = (node: ProfileNode): string => {
    for (let at: ProfileNode | undefined = node; at; at = parentOf.get(at.id)) {
      // Thin wrappers named like the native call (`all` around better-sqlite3's `all`) name
      // nothing; the function that called them does.
      const wrapper = at.callFrame.functionName === node.callFrame.functionName;
      if (/\/src\//.test(at.callFrame.url) && !wrapper) return `${functionOf(node)} ← ${functionOf(at)}`;
    }
    return `${functionOf(node)} ← (not ours)`;
  };
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const nativeByCaller = new Map<string, number>();
  let busyMicros = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[index] ?? 0;
    busyMicros += delta;
    const fn = functionOf(node);
    functions.set(fn, (functions.get(fn) ?? 0) + delta);
    const module = moduleOf(node);
    modules.set(module, (modules.get(module) ?? 0) + delta);
    if (!node.callFrame.url && !node.callFrame.functionName.startsWith('(')) {
      const caller = ourCaller(node);
      nativeByCaller.set(caller, (nativeByCaller.get(caller) ?? 0) + delta);
    }
  });
  return {
    busyMs: busyMicros / 1000,
    functions: top(functions, busyMicros, count),
    modules: top(modules, busyMicros, count),
    nativeByCaller: top(nativeByCaller, busyMicros, count),
  };
}

export async function summarizeProfileFile(file: string, count = 15): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, count);
}
