import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';

/** Newest modification time of a file, or of any file under a directory (skipping build output). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  if (!statSync(path).isDirectory()) return statSync(path).mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

/** What the page bundles from outside web/: the browser-safe segmentation code and what it imports. */
const SHARED_SOURCES = ['src/segment', 'src/models/metadata.ts', 'src/data/raw-image.ts', 'src/errors.ts'];

/**
 * Builds the page with Vite when `<webRoot>/dist` is missing or older than its sources (so
 * `npm start` works on a fresh clone and after a pull). Without Vite (a production install
 * without dev dependencies) it only warns; the API works regardless.
 */
export async function ensureWebBuilt(
  webRoot: string,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
): Promise<void> {
  const root = resolve(webRoot);
  const index = join(root, 'dist', 'index.html');
  if (!existsSync(join(root, 'index.html'))) return;
  const sources = Math.max(newest(root), ...SHARED_SOURCES.map((p) => newest(resolve(root, '..', p))));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    log.warn('the web app is not built and Vite is not installed: run `npm ci && npm run build:web`');
    return;
  }
  log.info('building the web app (once; takes a few seconds)');
  await vite.build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
}
