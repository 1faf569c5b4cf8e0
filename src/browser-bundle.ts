/**
 * Browser scripts ship as one bundle per page entry. `npm run build` writes each bundle beside
 * its compiled module (`<entry>.bundle.js`, scripts/build.mjs), so a production process
 * reads a file and needs no bundler. Run from the TypeScript sources (development and
 * tests), the entry is bundled in memory with esbuild, a development dependency.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** What the build and the in-memory path both pass to esbuild. */
export const BROWSER_BUILD_OPTIONS: {
  bundle: true;
  format: 'iife';
  platform: 'browser';
  target: string[];
  minify: true;
  legalComments: 'none';
  logLevel: 'silent';
} = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  logLevel: 'silent',
};

/** `entry` is the page script's URL without extension, relative to the caller's module. */
export async function browserBundle(entry: URL): Promise<string> {
  const path = fileURLToPath(entry);
  if (import.meta.url.endsWith('.js')) return readFile(`${path}.bundle.js`, 'utf8');
  const { build } = await import('esbuild');
  const result = await build({ ...BROWSER_BUILD_OPTIONS, entryPoints: [`${path}.ts`], write: false });
  return result.outputFiles![0]!.text;
}
