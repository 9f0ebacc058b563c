// Builds the dashboard's browser bundle (main.ts + client SDK + uPlot and its CSS) with esbuild, in memory,
// once per process: the server answers GET /dashboard.js with it.
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

let cached: Promise<string> | undefined;

/**
 * @example
 *   app.get('/dashboard.js', async () => new Response(await buildDashboardBundle(), { headers: { 'content-type': 'text/javascript' } }))
 * @returns minified JavaScript for a classic <script> tag
 */
export function buildDashboardBundle(): Promise<string> {
  cached ??= bundle().catch((error: unknown) => {
    cached = undefined; // a failed build is retried on the next request
    throw error;
  });
  return cached;
}

/** Path of the page the bundle belongs to (served at /). */
export const DASHBOARD_HTML = fileURLToPath(new URL('./index.html', import.meta.url));

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    // The SDK imports `ws` only when there is no global WebSocket: never in a browser.
    external: ['ws'],
    loader: { '.css': 'text' },
    logLevel: 'silent',
    plugins: [zodEnglishOnly],
  });
  return result.outputFiles[0].text;
}

/**
 * zod's namespace export carries its ~40 message locales (about 260 kB of the 560 kB bundle); the page
 * only ever uses English. Should zod move the file, the filter stops matching and the bundle is just bigger.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: args.importer, namespace: 'zod-en', pluginData: args.resolveDir } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: "export { default as en } from '../locales/en.js';",
      loader: 'js',
      resolveDir: args.pluginData as string,
    }));
  },
};
