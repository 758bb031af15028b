/**
 * The web app's latency: `npm run bench:web -- --model DIR [--image FILE] [--runs N] [--no-video] [--no-live]`.
 *
 * Starts the real server (port 0) on the model and measures, for one image (default: a 622×529
 * Kvasir-SEG test image, else a generated one):
 *   - the server path: POST /api/segment round trips (upload + decode + segment + mask PNG + JSON),
 *     with the server's own segment time from the Server-Timing header;
 *   - the in-browser wasm path: the page's in-browser mode in headless Chromium (the time the page
 *     shows per image: decode + onnxruntime-web + post-processing), the model fetched once first;
 * and, unless --no-video, a 10-second 25 fps clip made from the image (slow zoom) through
 * POST /api/videos: the job's processing fps (decode + segment + overlay + encode);
 * and, unless --no-live, the page's live mode on a 1280×720 30 fps fake camera (Chromium playing a clip
 * made from the image), server-streamed and then in the browser, each for --live-seconds (default 20) after
 * a warm-up of 5 overlays: overlays per second and capture-to-overlay latency (p50, p95) as the page
 * measures them. Medians over --runs (default 10) after 2 warm-up calls. The last line is one JSON
 * object with every figure and the load average. The machine is shared: expect noise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { datasetDir } from '../src/data/locations.ts';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { buildServer } from '../src/server/app.ts';
import { ensureWebBuilt } from '../src/server/web-build.ts';
import { ffmpegPath } from '../src/video/ffmpeg.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/lib/chromium.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    image: { type: 'string' },
    runs: { type: 'string', default: '10' },
    'no-video': { type: 'boolean', default: false },
    'no-live': { type: 'boolean', default: false },
    'live-seconds': { type: 'string', default: '20' },
  },
});
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function pickImage(): Promise<{ bytes: Buffer; name: string }> {
  if (values.image) return { bytes: await readFile(values.image), name: values.image };
  const dir = datasetDir();
  if (existsSync(join(dir, 'images'))) {
    for (const f of readdirSync(join(dir, 'images')).sort()) {
      const meta = await sharp(join(dir, 'images', f)).metadata();
      if (meta.width === 622 && meta.height === 529)
        return { bytes: await readFile(join(dir, 'images', f)), name: f };
    }
  }
  const raw = Buffer.alloc(622 * 529 * 3, 180);
  return {
    bytes: await sharp(raw, { raw: { width: 622, height: 529, channels: 3 } })
      .jpeg()
      .toBuffer(),
    name: 'generated',
  };
}

const work = await mkdtemp(join(tmpdir(), 'polypseg-latency-'));
const log = pino({ level: 'warn' });
await ensureWebBuilt('web', log);
const app = await buildServer({
  config: { modelDir: values.model, dataDir: join(work, 'data'), webDir: 'web/dist', logLevel: 'warn' },
  logger: log,
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const image = await pickImage();
const meta = await sharp(image.bytes).metadata();
console.log(`model ${values.model}; image ${image.name} (${meta.width}×${meta.height}); ${runs} runs`);

// server path
const total: number[] = [];
const segment: number[] = [];
for (let i = 0; i < runs + 2; i++) {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(image.bytes)]), 'x.jpg');
  const t0 = performance.now();
  const res = await fetch(`${url}/api/segment`, { method: 'POST', body: form });
  await res.json();
  const ms = performance.now() - t0;
  if (i < 2) continue;
  total.push(ms);
  segment.push(Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]));
}
console.log(
  `server path: ${median(total).toFixed(0)} ms per image round trip (segment ${median(segment).toFixed(0)} ms on the server)`,
);

// in-browser wasm path
const imagePath = join(work, 'image.jpg');
await writeFile(imagePath, image.bytes);
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
const page = await browser.newPage();
await page.goto(url);
const t0 = performance.now();
await page.getByLabel('in this browser').check();
await page.waitForFunction(() => document.body.dataset.mode === 'browser', null, { timeout: 120_000 });
const mode = await page.textContent('#mode-status');
console.log(`in-browser model load: ${(performance.now() - t0).toFixed(0)} ms (${mode})`);
const browserMs: number[] = [];
for (let i = 0; i < runs + 2; i++) {
  await page.setInputFiles('#image-input', imagePath);
  await page.waitForFunction(
    (n) => document.querySelectorAll('#image-results .result:not(.busy)').length === n,
    i + 1,
    {
      timeout: 60_000,
    },
  );
  const badge = (await page.locator('#image-results .result').first().locator('.badge').textContent()) ?? '';
  if (i >= 2) browserMs.push(Number(/(\d+) ms/.exec(badge)?.[1]));
}
await browser.close();
console.log(`in-browser wasm path: ${median(browserMs)} ms per image (in the page)`);

const figures: Record<string, number | string | null> = {
  server_ms_per_image: Math.round(median(total)),
  browser_ms_per_image: median(browserMs),
};

/** A clip made from the image by a slow zoom into its centre, at 25 fps (ffmpeg picks the container from `out`). */
function zoomClip(
  out: string,
  o: { zoomPerFrame: number; size: string; frames: number; codec: string[]; fps?: number },
): void {
  const zoom = `zoompan=z='1+${o.zoomPerFrame}*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=${o.frames}:s=${o.size}:fps=${o.fps ?? 25}`;
  execFileSync(ffmpegPath(), [
    '-v',
    'error',
    '-y',
    '-loop',
    '1',
    '-i',
    imagePath,
    '-vf',
    zoom,
    '-frames:v',
    String(o.frames),
    ...o.codec,
    out,
  ]);
}

if (!values['no-video']) {
  const clip = join(work, 'clip.mp4');
  zoomClip(clip, {
    zoomPerFrame: 0.002,
    size: '622x529',
    frames: 250,
    codec: ['-c:v', 'libx264', '-pix_fmt', 'yuv444p'],
  });
  const form = new FormData();
  form.append('video', new Blob([new Uint8Array(await readFile(clip))]), 'clip.mp4');
  const started = performance.now();
  const { id } = (await (await fetch(`${url}/api/videos`, { method: 'POST', body: form })).json()) as {
    id: string;
  };
  let job: { status: string; processingFps: number; frames: number; error?: string };
  do {
    await new Promise((r) => setTimeout(r, 250));
    job = (await (await fetch(`${url}/api/videos/${id}`)).json()) as typeof job;
  } while (job.status === 'queued' || job.status === 'running');
  const wall = (performance.now() - started) / 1000;
  figures.video_job_fps = Math.round(job.processingFps * 10) / 10;
  console.log(
    `10-second clip (622×529, 25 fps, ${job.frames} frames): ${job.status}${job.error ? ` (${job.error})` : ''}, ` +
      `processing ${job.processingFps?.toFixed(1)} fps; upload to done ${wall.toFixed(1)} s`,
  );
}
/** The live view's figures after `seconds` of one engine on the fake camera (after 5 overlays of warm-up). */
async function liveRun(camera: string, engine: 'Server' | 'This browser', seconds: number) {
  const live = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`,
    ],
  });
  try {
    const livePage = await live.newPage();
    await livePage.goto(`${url}/#live`);
    await livePage.getByRole('radio', { name: engine, exact: true }).check();
    await livePage.getByRole('button', { name: 'Start' }).click();
    const read = () =>
      livePage.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('#live-canvas')!;
        return {
          overlays: Number(canvas.dataset.overlays ?? 0),
          p50: Number(canvas.dataset.latencyP50),
          p95: Number(canvas.dataset.latencyP95),
          polyps: Number(canvas.dataset.polyps),
          size: `${canvas.width}×${canvas.height}`,
          engine: document.querySelector('#live-engine-status')!.textContent ?? '',
        };
      });
    await livePage.waitForFunction(
      () => Number(document.querySelector<HTMLCanvasElement>('#live-canvas')!.dataset.overlays ?? 0) >= 5,
      null,
      { timeout: 180_000 },
    );
    const first = await read();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const last = await read();
    // the page keeps the latencies of its last 512 overlays: about the measured window at 25 fps
    return { ...last, fps: (last.overlays - first.overlays) / ((performance.now() - t0) / 1000) };
  } finally {
    await live.close();
  }
}

if (!values['no-live']) {
  // Chromium's fake camera plays a y4m file in a loop at the file's size and rate: 30 fps, a scope's
  // upper rate, so that 25 overlays a second is reachable without answering every single frame
  const camera = join(work, 'camera.y4m');
  zoomClip(camera, {
    zoomPerFrame: 0.004,
    size: '1280x720',
    frames: 60,
    fps: 30,
    codec: ['-pix_fmt', 'yuv420p'],
  });
  const seconds = Number(values['live-seconds']);
  for (const engine of ['Server', 'This browser'] as const) {
    const r = await liveRun(camera, engine, seconds);
    console.log(
      `live mode, ${engine === 'Server' ? 'server-streamed' : 'in the browser'}, ${r.size} fake camera, ${seconds} s: ` +
        `${r.fps.toFixed(1)} fps, capture-to-overlay latency p50 ${r.p50} ms, p95 ${r.p95} ms ` +
        `(${r.engine}; ${r.polyps} polyp(s) in the last frame)`,
    );
    const key = engine === 'Server' ? 'live_server' : 'live_browser';
    figures[`${key}_fps`] = Math.round(r.fps * 10) / 10;
    figures[`${key}_latency_ms_p50`] = r.p50;
    figures[`${key}_latency_ms_p95`] = r.p95;
  }
}
await app.close();
await rm(work, { recursive: true, force: true });
figures.load_average = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(JSON.stringify(figures));
