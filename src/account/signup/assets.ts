/**
 * The member pages' script and style. The script is the browser entry, which imports the same
 * crypto modules the CLI uses, bundled into one file (src/browser-bundle.ts). Each asset is served under a name that contains its content hash, so it
 * can be cached for a year and a new release is never mixed with an old script.
 */
import { createHash } from 'node:crypto';
import { browserBundle } from '../../browser-bundle.ts';

export interface Asset {
  /** e.g. /assets/member-3f2a….js */
  path: string;
  contentType: string;
  body: string;
}

export interface MemberAssets {
  script: Asset;
  style: Asset;
}

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; margin-top: 0.25rem; }
button { margin-top: 1.25rem; padding: 0.5rem 1.25rem; font: inherit; cursor: pointer; }
.hint { font-size: 0.9em; opacity: 0.8; margin: 0.25rem 0 0; }
.problem { border-left: 4px solid #c0392b; padding: 0.5rem 0.75rem; background: rgba(192, 57, 43, 0.08); }
.done { border-left: 4px solid #27ae60; padding: 0.5rem 0.75rem; background: rgba(39, 174, 96, 0.08); }
time { white-space: nowrap; }
[hidden] { display: none !important; }
`;

function hashed(name: string, extension: string, contentType: string, body: string): Asset {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path: `/assets/${name}-${digest}.${extension}`, contentType, body };
}

let cached: Promise<MemberAssets> | undefined;

async function buildAssets(): Promise<MemberAssets> {
  const script = await browserBundle(new URL('./browser/member-pages', import.meta.url));
  return {
    script: hashed('member', 'js', 'text/javascript; charset=utf-8', script),
    style: hashed('member', 'css', 'text/css; charset=utf-8', STYLE),
  };
}

/** Built once per process; every account server in it shares the result. */
export function memberAssets(): Promise<MemberAssets> {
  cached ??= buildAssets().catch((error) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
