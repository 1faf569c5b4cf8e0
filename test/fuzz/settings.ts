/**
 * The fuzz suite's sizes and seeds, read once for every property: SCIMBRIDGE_FUZZ_RUNS (inputs
 * per property; 300, with a fixed seed, for `npm test`), SCIMBRIDGE_FUZZ_SEED and
 * SCIMBRIDGE_FUZZ_PATH (to reproduce a failure that fast-check printed).
 */
import type fc from 'fast-check';

export const FUZZ_RUNS = Number(process.env.SCIMBRIDGE_FUZZ_RUNS ?? 300);
const SEED =
  process.env.SCIMBRIDGE_FUZZ_SEED === undefined
    ? FUZZ_RUNS > 300
      ? undefined
      : 20261206
    : Number(process.env.SCIMBRIDGE_FUZZ_SEED);
const PATH = process.env.SCIMBRIDGE_FUZZ_PATH;

/** fast-check's parameters for a property of `numRuns` inputs, with the seed and path asked for. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return {
    numRuns,
    ...(SEED === undefined ? {} : { seed: SEED }),
    ...(PATH === undefined ? {} : { path: PATH }),
  };
}
