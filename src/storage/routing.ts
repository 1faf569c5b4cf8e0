/**
 * Builds a `StoreOps` whose every method goes through one `call` hook, so that a store can
 * decide per call where it runs (inside the caller's transaction, after a lock, …) without
 * repeating that decision in every method.
 */
import type { StoreOps } from '../account/store.ts';

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * `choose` picks the implementation for each call (e.g. a transaction's ops or the pool's);
 * `shape` is any complete `StoreOps`, whose method names are the ones routed.
 */
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
