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
 * and, unless --no-live, the page's live mode on a 1280×720 fake camera (Chromium playing a clip made
 * from the image): the fps the page shows after --live-seconds (default 20) of segmenting.
 * Medians over --runs (default 10) after 2 warm-up calls. The machine is shared: expect noise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** A clip made from the image by a slow zoom into its centre, at 25 fps (ffmpeg picks the container from `out`). */
function zoomClip(
  out: string,
  o: { zoomPerFrame: number; size: string; frames: number; codec: string[] },
): void {
  const zoom = `zoompan=z='1+${o.zoomPerFrame}*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=${o.frames}:s=${o.size}:fps=25`;
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
  console.log(
    `10-second clip (622×529, 25 fps, ${job.frames} frames): ${job.status}${job.error ? ` (${job.error})` : ''}, ` +
      `processing ${job.processingFps?.toFixed(1)} fps; upload to done ${wall.toFixed(1)} s`,
  );
}
if (!values['no-live']) {
  // Chromium's fake camera plays a y4m file in a loop at the file's size
  const camera = join(work, 'camera.y4m');
  zoomClip(camera, { zoomPerFrame: 0.004, size: '1280x720', frames: 50, codec: ['-pix_fmt', 'yuv420p'] });
  const live = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`,
    ],
  });
  const livePage = await live.newPage();
  await livePage.goto(url);
  await livePage.getByRole('tab', { name: 'Live' }).click();
  await livePage.getByRole('button', { name: 'Start' }).click();
  await livePage.waitForFunction(
    () =>
      /fps$/.test(document.querySelector('#live-fps')?.textContent ?? '') &&
      !/—/.test(document.querySelector('#live-fps')!.textContent!),
    null,
    { timeout: 120_000 },
  );
  await new Promise((r) => setTimeout(r, Number(values['live-seconds']) * 1000));
  const shown = await livePage.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#live-canvas')!;
    return {
      fps: document.querySelector('#live-fps')!.textContent,
      size: `${canvas.width}×${canvas.height}`,
      polyps: canvas.dataset.polyps,
      status: document.querySelector('#live-status')!.textContent,
    };
  });
  await live.close();
  console.log(
    `live mode, ${shown.size} fake camera: ${shown.fps} after ${values['live-seconds']} s (${shown.polyps} polyp(s) in the last frame; ${shown.status})`,
  );
}
await app.close();
await rm(work, { recursive: true, force: true });
