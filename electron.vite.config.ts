import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';

const root = import.meta.dirname;

/**
 * The meta Content-Security-Policy in index.html is the production policy. Vite's dev server
 * injects component styles as <style> elements, so only under `electron-vite dev` does style-src
 * also allow inline styles; a build never does.
 */
function devServerStylePolicy(): Plugin {
  const strict = "style-src 'self'";
  return {
    name: 'sockscope:dev-server-style-policy',
    apply: 'serve',
    transformIndexHtml(html) {
      if (!html.includes(strict)) {
        throw new Error(`index.html must declare "${strict}" in its Content-Security-Policy`);
      }
      return html.replace(strict, `${strict} 'unsafe-inline'`);
    },
  };
}

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // The window's process, and the engine host that it runs as a utilityProcess.
        input: {
          index: resolve(root, 'src-main/app/index.ts'),
          'engine-host-process': resolve(root, 'src-main/app/engine-host-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload runs without Node's module loader: it must be one CommonJS file
      // that requires nothing but `electron`, so dependencies are bundled, not externalized.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
    plugins: [vue(), devServerStylePolicy()],
  },
});
