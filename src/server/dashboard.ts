// Hook for the dashboard built in client/dashboard/: served at / and /dashboard.js when its files exist. The
// bundle module is imported lazily, so a server without the dashboard never loads esbuild.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = new URL('../../client/dashboard/', import.meta.url);
const indexFile = fileURLToPath(new URL('index.html', root));
const bundleFile = fileURLToPath(new URL('bundle.ts', root));

export interface Asset {
  type: string;
  body: string;
  /** Strong validator of `body` (quoted hex digest), for If-None-Match. */
  etag: string;
  /** `body` gzipped, for clients that accept it. */
  gzip: Buffer;
}

/** The last asset of each type: a page and a bundle are hashed and compressed once, not on every request. */
const prepared = new Map<string, Asset>();

function asset(type: string, body: string): Asset {
  let a = prepared.get(type);
  // Same body (the cached bundle, or an unchanged index.html read again): reuse; an edited file replaces it.
  if (a === undefined || a.body !== body) {
    a = { type, body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`, gzip: gzipSync(body) };
    prepared.set(type, a);
  }
  return a;
}

let bundle: Promise<string> | undefined;

/** The dashboard asset at `path`, or undefined when there is none (then the route is a 404). */
export async function dashboardAsset(path: string): Promise<Asset | undefined> {
  if (path === '/' && existsSync(indexFile)) {
    return asset('text/html; charset=utf-8', await readFile(indexFile, 'utf8'));
  }
  if (path === '/dashboard.js' && existsSync(bundleFile)) {
    bundle ??= import(new URL('bundle.ts', root).href).then(
      (m: { buildDashboardBundle(): Promise<string> }) => m.buildDashboardBundle(),
    );
    try {
      return asset('text/javascript; charset=utf-8', await bundle);
    } catch (err) {
      bundle = undefined; // a failed build is retried on the next request, not cached
      throw err;
    }
  }
  return undefined;
}
