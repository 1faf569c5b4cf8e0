// Every method through one hook, so a store decides per call where it runs (the caller's transaction, after a lock).
import type { StoreOps } from '../account/store.ts';

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** `choose` picks the ops for each call; `shape` is any complete `StoreOps`, whose method names are routed. */
export function routedOps(
  shape: StoreOps,
  choose: () => StoreOps,
  around?: (run: () => Promise<unknown>) => Promise<unknown>,
): StoreOps {
  const routed: Record<string, AnyMethod> = {};
  for (const name of Object.keys(shape) as Array<keyof StoreOps>) {
    routed[name] = around
      ? (...args) => around(() => (choose()[name] as AnyMethod)(...args))
      : (...args) => (choose()[name] as AnyMethod)(...args);
  }
  return routed as unknown as StoreOps;
}
