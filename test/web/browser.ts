// What every browser test needs: the built page served by a real server, and headless Chromium with a
// synthetic camera, started together and stopped together.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import pino from 'pino';
import type { ServerConfigInput } from '../../src/server/config.ts';
import { ensureWebBuilt } from '../../src/server/web-build.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { skipUnless } from '../helpers/prerequisite.ts';
import { startServer, type TestServer } from '../server/helpers.ts';

/** The `skip` option of a browser test: skipped (or, on CI, failed) without Chromium. */
export const skipWithoutChromium = skipUnless(
  existsSync(CHROMIUM_PATH),
  `no Chromium at ${CHROMIUM_PATH} (scripts/setup-system.sh installs it)`,
);

export interface BrowserApp {
  /** the tiny test model the server serves */
  modelDir: string;
  /** a scratch directory for the test's files (removed on close) */
  work: string;
  server: TestServer;
  context: BrowserContext;
  /** the context's first tab */
  page: Page;
  close(): Promise<void>;
}

/**
 * Builds the page if its sources changed, serves it with the tiny test model, and opens Chromium
 * (headless, with a fake camera for live mode). Always `close()` it (in `after`).
 */
export async function startBrowserApp(
  config: Partial<ServerConfigInput> = {},
  /** changes the test model's directory (e.g. its polypseg.json) before the server loads it */
  prepareModel?: (dir: string) => Promise<void>,
): Promise<BrowserApp> {
  await ensureWebBuilt('web', pino({ level: 'warn' }));
  const modelDir = await makeModelDir({ inputSize: 32 });
  await prepareModel?.(modelDir);
  const work = await mkdtemp(join(tmpdir(), 'polypseg-browser-'));
  const started: Partial<BrowserApp> = { modelDir, work };
  const close = async () => {
    await started.context?.close();
    await started.server?.close();
    await rm(work, { recursive: true, force: true });
    await rm(modelDir, { recursive: true, force: true });
  };
  try {
    started.server = await startServer(modelDir, { webDir: 'web/dist', ...config });
    started.context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        // a synthetic camera for live mode
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const page = started.context.pages()[0] ?? (await started.context.newPage());
    page.on('pageerror', (err) => console.error('page error:', err.message));
    return { ...(started as Required<Omit<BrowserApp, 'page' | 'close'>>), page, close };
  } catch (err) {
    await close();
    throw err;
  }
}
