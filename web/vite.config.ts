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
  },
  server: {
    headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    proxy: { '/api': 'http://127.0.0.1:3000', '/healthz': 'http://127.0.0.1:3000' },
  },
});
