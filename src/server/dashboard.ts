// Hook for the dashboard built in client/dashboard/: served at / and /dashboard.js when its files exist. The
// bundle module is imported lazily, so a server without the dashboard never loads esbuild.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../../client/dashboard/', import.meta.url);
const indexFile = fileURLToPath(new URL('index.html', root));
const bundleFile = fileURLToPath(new URL('bundle.ts', root));

export interface Asset {
  type: string;
  body: string;
}

let bundle: Promise<string> | undefined;

/** The dashboard asset at `path`, or undefined when there is none (then the route is a 404). */
export async function dashboardAsset(path: string): Promise<Asset | undefined> {
  if (path === '/' && existsSync(indexFile)) {
    return { type: 'text/html; charset=utf-8', body: await readFile(indexFile, 'utf8') };
  }
  if (path === '/dashboard.js' && existsSync(bundleFile)) {
    bundle ??= import(new URL('bundle.ts', root).href).then(
      (m: { buildDashboardBundle(): Promise<string> }) => m.buildDashboardBundle(),
    );
    try {
      return { type: 'text/javascript; charset=utf-8', body: await bundle };
    } catch (err) {
      bundle = undefined; // a failed build is retried on the next request, not cached
      throw err;
    }
  }
  return undefined;
}
