/**
 * @module The production build of a service: its `src/main.ts` and everything it imports, bundled by esbuild into
 * one ES module, `services/<name>/dist/main.mjs` (with a source map beside it). The images run this file and carry
 * no `node_modules` and no TypeScript; `npm start` and the tests run the sources, and one integration test runs
 * the bundles (bundle.integration.test.ts).
 *
 * Why a bundle (docs/scaling.md §5, "Memory"): run from source, every process loads Node's type stripper (a
 * WebAssembly build of SWC) and keeps about 880 module records and their sources; the bundle idles at about
 * 85 MB resident against 100 MB (with a warm compile cache) or 124 MB (without). Bundling is safe here because
 * nothing in the stack is instrumented by patching modules at load time: telemetry is passed in explicitly.
 */
import { join } from 'node:path';
import type { ServiceName } from '@mesh-stack/stack';
import { build } from 'esbuild';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

/** Where a service's bundle is written. */
export const bundlePath = (service: ServiceName): string => join(REPO_ROOT, 'services', service, 'dist', 'main.mjs');

/**
 * Bundles one service; resolves with the bundle's path. Identifiers are kept (only whitespace and syntax are
 * minified), so stack traces name the functions; `node --enable-source-maps` maps them back to the sources.
 */
export const bundleService = async (service: ServiceName): Promise<string> => {
  const outfile = bundlePath(service);
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'services', service, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    // pg's optional native binding; the stack uses the pure-JavaScript client.
    external: ['pg-native'],
    // CommonJS dependencies (pg, pino) call `require` for Node's built-ins; an ES module has none of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error(`bundling ${service} failed`);
  return outfile;
};
