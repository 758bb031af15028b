/**
 * Screenshots of the web app for the README: `node --import tsx scripts/web-screenshots.ts [--model DIR] [--out DIR]`.
 * Runs the real server on the model, opens the page in headless Chromium, segments Kvasir-SEG test
 * images (image view: side by side and overlay) and a short clip made from them (video view), and
 * writes docs/screenshots/{image-view,image-overlay,video-view}.png. Needs ../shared/data/kvasir-seg.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { buildServer } from '../src/server/app.ts';
import { ensureWebBuilt } from '../src/server/web-build.ts';
import { datasetDir } from '../src/data/locations.ts';
import { ffmpegPath } from '../src/video/ffmpeg.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './lib/chromium.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    out: { type: 'string', default: 'docs/screenshots' },
  },
});
const data = resolve(datasetDir());
if (!existsSync(join(data, 'splits', 'pranet-test.txt'))) throw new Error(`no Kvasir-SEG at ${data}`);
const ids = readFileSync(join(data, 'splits', 'pranet-test.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);
const image = (id: string) => join(data, 'images', `${id}.jpg`);

const work = await mkdtemp(join(tmpdir(), 'polypseg-shots-'));
await mkdir(values.out, { recursive: true });
const log = pino({ level: 'warn' });
await ensureWebBuilt('web', log);
const app = await buildServer({
  config: { modelDir: values.model, dataDir: join(work, 'data'), webDir: 'web/dist', logLevel: 'warn' },
  logger: log,
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });

// a slideshow of test images with a slow zoom, 1.2 s each, as a stand-in for a colonoscopy video
const clip = join(work, 'colonoscopy.mp4');
const shown = ids.slice(10, 18);
execFileSync(ffmpegPath(), [
  '-v',
  'error',
  '-y',
  ...shown.flatMap((id) => ['-loop', '1', '-t', '1.2', '-i', image(id)]),
  '-filter_complex',
  shown
    .map(
      (_, i) =>
        `[${i}:v]scale=640:528,setsar=1,zoompan=z='1+0.004*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=640x528:fps=25[v${i}]`,
    )
    .join(';') + `;${shown.map((_, i) => `[v${i}]`).join('')}concat=n=${shown.length}:v=1:a=0[out]`,
  '-map',
  '[out]',
  '-c:v',
  'libx264',
  '-pix_fmt',
  'yuv420p',
  clip,
]);

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
const page = await browser.newPage({ viewport: { width: 1280, height: 960 }, deviceScaleFactor: 1 });
await page.goto(url);
await page.locator('.model-name').waitFor();

await page.setInputFiles('#image-input', [image(ids[3]!), image(ids[0]!)]);
await page.waitForFunction(
  () => document.querySelectorAll('#image-results .result:not(.busy)').length === 2,
  null,
  {
    timeout: 60_000,
  },
);
// results open as the filled overlay; the second shot shows the opaque outline style
await page.screenshot({ path: join(values.out, 'image-view.png') });
await page.getByLabel('Outline').check();
await page.screenshot({ path: join(values.out, 'image-overlay.png') });

await page.getByRole('tab', { name: 'Video' }).click();
await page.setInputFiles('#video-input', clip);
const job = page.locator('#video-jobs .job').first();
await job.locator('video, .error').first().waitFor({ timeout: 300_000 });
if (await job.locator('.error').count())
  throw new Error(`video failed: ${await job.locator('.error').textContent()}`);
await page.waitForFunction(
  () => (document.querySelector('#video-jobs video') as HTMLVideoElement).readyState >= 2,
);
const strip = job.locator('.timeline canvas');
const box = (await strip.boundingBox())!;
await strip.click({ position: { x: box.width * 0.4, y: box.height / 2 } });
await page.evaluate(() => window.scrollTo(0, 0));
await page.waitForTimeout(500);
await page.screenshot({ path: join(values.out, 'video-view.png'), fullPage: true });

await browser.close();
await app.close();
await rm(work, { recursive: true, force: true });
console.log(
  `wrote ${['image-view', 'image-overlay', 'video-view'].map((n) => join(values.out, `${n}.png`)).join(', ')}`,
);
