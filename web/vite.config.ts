import { defineConfig } from 'vite';

// `vite build web` (npm run build:web) → web/dist, served by `polypseg serve`.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // onnxruntime-web's wasm (~25 MB) is emitted as a hashed asset next to the bundle: no CDN
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      output: {
        // onnxruntime-web starts its wasm threads by loading its own chunk in a Worker; code it
        // shares with the page must therefore live in a chunk of its own, never in the page's app
        // chunk (whose top level touches `document`).
        codeSplitting: {
          groups: [
            {
              name: 'shared',
              test: (id: string) =>
                /[\\/]src[\\/](errors|segment[\\/](overlay|postprocess|components|resize))\.ts$/.test(id) ||
                id.includes('rolldown/runtime'),
            },
          ],
        },
      },
    },
  },
  server: {
    headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    proxy: { '/api': 'http://127.0.0.1:3000', '/healthz': 'http://127.0.0.1:3000' },
  },
});
