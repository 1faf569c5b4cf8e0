// Every method through one hook, so a store decides per call when it runs (after a lock, say).
import type { StoreOps } from '../account/store.ts';

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** `ops` with each call made through `around`. */
export function aroundEveryCall(
  ops: StoreOps,
  around: (run: () => Promise<unknown>) => Promise<unknown>,
): StoreOps {
  const wrapped: Record<string, AnyMethod> = {};
  for (const name of Object.keys(ops) as Array<keyof StoreOps>) {
    const method = ops[name] as AnyMethod;
    wrapped[name] = (...args) => around(() => method(...args));
  }
  return wrapped as unknown as StoreOps;
}
