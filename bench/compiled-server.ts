/**
 * The server under test as production runs it: compiled JavaScript (`npm run build` writes
 * dist/), not TypeScript through tsx. tsx's loader and its transformed sources cost about
 * 40 MiB of resident memory and some CPU that `node dist/cli/main.js` never pays, so a
 * benchmark of the sources would measure a server nobody runs.
 *
 * The bench's own entry modules (server.ts, bridge-child.ts) are bundled into `.bench/compiled/`
 * with every import of `src/` pointing at its compiled twin in `dist/`.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, '.bench', 'compiled');

let compiled: Promise<string> | undefined;

async function compile(log: (line: string) => void): Promise<string> {
  log('compiling the server (npm run build) …');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  await build({
    entryPoints: [path.join(ROOT, 'bench', 'server.ts'), path.join(ROOT, 'bench', 'bridge-child.ts')],
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    plugins: [
      {
        name: 'src-to-dist',
        setup(plugin) {
          plugin.onResolve({ filter: /\/src\// }, (args) => {
            const source = path.resolve(args.resolveDir, args.path);
            if (!source.startsWith(SRC + path.sep)) return undefined;
            const target = path.join(ROOT, 'dist', path.relative(SRC, source)).replace(/\.ts$/, '.js');
            return { path: pathToFileURL(target).href, external: true };
          });
        },
      },
    ],
  });
  return path.join(OUT, 'server.mjs');
}

/** The compiled entry of bench/server.ts; built once per benchmark process. */
export function compiledServerScript(log: (line: string) => void): Promise<string> {
  compiled ??= compile(log);
  return compiled;
}
