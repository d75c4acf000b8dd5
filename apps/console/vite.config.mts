import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web console: built by `npm run build` into dist/console, which the controller serves at
 * /ui/ under a strict Content-Security-Policy. Hence: no inline script or style in the output
 * (no module-preload polyfill, no assets inlined as data: URLs), and every file under /ui/assets/.
 */
export default defineConfig({
  root: here,
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
  },
});
