// Live mode end to end (issue 21): real Chromium with a fake camera playing a Kvasir-SEG image, the
// shipped model on a real server; the overlay must appear on frames that hold a polyp, both when
// frames stream to the server and when the model runs in the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import pino from 'pino';
import { datasetDir } from '../../src/data/locations.ts';
import { ensureWebBuilt } from '../../src/server/web-build.ts';
import { ffmpegPath } from '../../src/video/ffmpeg.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium.ts';
import { skipUnless } from '../helpers/prerequisite.ts';
import { startServer, type TestServer } from '../server/helpers.ts';

// a Kvasir-SEG image with one large polyp (the shipped model finds it)
const POLYP_IMAGE = join(datasetDir(), 'images', 'cju0qkwl35piu0993l0dewei2.jpg');
const skip =
  skipUnless(existsSync(CHROMIUM_PATH), `no Chromium at ${CHROMIUM_PATH}`) ||
  skipUnless(existsSync(POLYP_IMAGE), `no Kvasir-SEG image at ${POLYP_IMAGE}`);
const TOKEN = 'live-e2e-token-0123456789';

let work: string;
let browser: Browser;
const servers: TestServer[] = [];

before(async () => {
  if (skip) return;
  await ensureWebBuilt('web', pino({ level: 'warn' }));
  work = await mkdtemp(join(tmpdir(), 'polypseg-live-e2e-'));
  // Chromium's fake camera plays a y4m file in a loop at its size: the polyp image at 1280×720
  const camera = join(work, 'camera.y4m');
  execFileSync(ffmpegPath(), [
    ...['-v', 'error', '-y', '-loop', '1', '-i', POLYP_IMAGE],
    ...['-vf', 'scale=1280:720,format=yuv420p', '-frames:v', '5', '-r', '30', camera],
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`,
    ],
  });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  for (const s of servers) await s.close();
  await rm(work, { recursive: true, force: true });
});

async function serve(config: Parameters<typeof startServer>[1] = {}): Promise<TestServer> {
  const server = await startServer('models/default', { webDir: 'web/dist', ...config });
  servers.push(server);
  return server;
}

/** The live view's figures, and how many canvas pixels carry the overlay's green outline. */
function shown(page: Page) {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#live-canvas')!;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let green = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 90 && px[i + 1]! > 200 && px[i + 2]! < 170) green++;
    return {
      overlays: Number(canvas.dataset.overlays ?? 0),
      polyps: Number(canvas.dataset.polyps ?? 0),
      size: [canvas.width, canvas.height],
      green,
      fps: document.querySelector('#live-fps')!.textContent ?? '',
      latency: document.querySelector('#live-latency')!.textContent ?? '',
      engine: document.querySelector('#live-engine-status')!.textContent ?? '',
      status: document.querySelector('#live-status')!.textContent ?? '',
    };
  });
}

async function startLive(page: Page, url: string, engine: 'Server' | 'This browser'): Promise<void> {
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(`${url}/#live`);
  await page.getByRole('radio', { name: engine, exact: true }).check();
  await page.getByRole('button', { name: 'Start' }).click();
}

/** Waits for `n` overlays (generous: the machine may be busy and the browser compiles its wasm). */
const overlays = (page: Page, n: number) =>
  page.waitForFunction(
    (k) => Number(document.querySelector<HTMLCanvasElement>('#live-canvas')!.dataset.overlays ?? 0) >= k,
    n,
    { timeout: 180_000 },
  );

test(
  'server mode: frames stream to the server, the polyp is outlined over the 1280×720 frame, fps and latency shown',
  { skip },
  async () => {
    const server = await serve();
    const page = await browser.newPage();
    try {
      await startLive(page, server.url, 'Server');
      await overlays(page, 5);
      const s = await shown(page);
      assert.deepEqual(s.size, [1280, 720]);
      assert.ok(s.polyps >= 1, `polyps ${s.polyps}`);
      assert.ok(s.green > 500, `outline pixels ${s.green}`);
      assert.match(s.fps, /^\d+(\.\d)? fps$/);
      assert.match(s.latency, /^latency \d+ ms$/);
      assert.equal(s.engine, 'server (ONNX Runtime)');
      assert.match(s.status, /Segmenting on the server/);
      assert.ok(server.logs.some((l) => l.includes('live session started')));
      await page.getByRole('button', { name: 'Stop' }).click();
    } finally {
      await page.close();
    }
  },
);

test('server mode with an API token: the page asks for it, then streams', { skip }, async () => {
  const server = await serve({ apiToken: TOKEN });
  const page = await browser.newPage();
  try {
    await startLive(page, server.url, 'Server');
    await page.getByRole('dialog', { name: 'This server needs an API token' }).waitFor();
    await page.fill('#api-token', TOKEN);
    await page.getByRole('button', { name: 'Continue' }).click();
    await overlays(page, 3);
    assert.ok((await shown(page)).polyps >= 1);
    assert.ok(!server.logs.some((l) => l.includes(TOKEN)), 'the token never reaches the log');
  } finally {
    await page.close();
  }
});

test(
  'browser mode, reached as the fallback when the server takes no live sessions: the model runs in the page',
  { skip },
  async () => {
    const server = await serve({ live: { sessions: 0 } });
    const page = await browser.newPage();
    try {
      await startLive(page, server.url, 'Server');
      await overlays(page, 3);
      const s = await shown(page);
      assert.match(
        s.status,
        /^The server cannot take live frames \(the server is running as many live sessions/,
      );
      assert.match(s.engine, /^this browser \((WebAssembly, \d threads?|WebGPU)\)$/);
      assert.ok(s.polyps >= 1, `polyps ${s.polyps}`);
      assert.ok(s.green > 500, `outline pixels ${s.green}`);
      // the page is cross-origin isolated, so onnxruntime-web runs wasm threads where the machine has cores
      const [isolated, cores] = await page.evaluate(() => [
        crossOriginIsolated,
        navigator.hardwareConcurrency,
      ]);
      assert.equal(isolated, true);
      if (Number(cores) >= 2 && !/WebGPU/.test(s.engine))
        assert.match(s.engine, /WebAssembly, [2-4] threads/);
    } finally {
      await page.close();
    }
  },
);
