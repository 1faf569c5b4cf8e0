// `npm run build`: compiles src/ to dist/ and bundles each browser page entry once, so that
// production runs JavaScript and needs neither tsx nor esbuild (src/browser-bundle.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

// Files that are not TypeScript (none today; SQL or templates later) travel with the code.
cpSync(src, dist, {
  recursive: true,
  filter: (path) => !path.endsWith('.ts') && !path.endsWith('.cases.json'),
});

/** A page entry is a `*-pages.ts` file in a `browser/` folder. */
function pageEntries(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return pageEntries(path);
    return /\/browser\/[^/]+-pages\.ts$/.test(path) ? [path] : [];
  });
}

const { BROWSER_BUILD_OPTIONS } = await import(join(dist, 'browser-bundle.js'));
for (const entry of pageEntries(src)) {
  const out = join(dist, relative(src, entry)).replace(/\.ts$/, '.bundle.js');
  await build({ ...BROWSER_BUILD_OPTIONS, entryPoints: [entry], outfile: out });
  console.log(`bundled ${relative(root, out)}`);
}
