/**
 * The member pages' script and style. The script is the browser entry, which imports the same
 * crypto modules the CLI uses, bundled into one file (src/browser-bundle.ts). Each asset is served under a name that contains its content hash, so it
 * can be cached for a year and a new release is never mixed with an old script.
 */
import { createHash } from 'node:crypto';
import { browserBundle } from '../../browser-bundle.ts';
import { PAGE_STYLE } from '../../web/style.ts';

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

function hashed(name: string, extension: string, contentType: string, body: string): Asset {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path: `/assets/${name}-${digest}.${extension}`, contentType, body };
}

let cached: Promise<MemberAssets> | undefined;

async function buildAssets(): Promise<MemberAssets> {
  const script = await browserBundle(new URL('./browser/member-pages', import.meta.url));
  return {
    script: hashed('member', 'js', 'text/javascript; charset=utf-8', script),
    style: hashed('member', 'css', 'text/css; charset=utf-8', PAGE_STYLE),
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
