import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { picture, startServer, type TestServer } from '../server/helpers.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { skipWithoutChromium as skip, startBrowserApp, type BrowserApp } from './browser.ts';

const OUT = resolve('test-output');

let app: BrowserApp;
let modelDir: string;
let work: string;
let server: TestServer;
let context: BrowserContext;
let page: Page;
/** Content-Security-Policy violations reported by any page of the run (the policy must fit the app). */
const cspViolations: string[] = [];
const TOKEN = 'e2e-token-0123456789abcdef';

before(async () => {
  if (skip) return;
  await mkdir(OUT, { recursive: true });
  app = await startBrowserApp();
  ({ modelDir, work, server, context, page } = app);
  context.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
});

after(async () => {
  if (skip) return;
  await app?.close();
});

/** Mean absolute RGB difference between two same-sized canvases in the page. */
const canvasDifference = (a: string, b: string) =>
  page.evaluate(
    // no named inner functions: the test runner's transpiler would wrap them in a helper the page lacks
    ([sa, sb]) => {
      const [x, y] = [sa!, sb!].map((sel) => {
        const c = document.querySelector<HTMLCanvasElement>(sel)!;
        return c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      });
      let sum = 0;
      for (let i = 0; i < x!.length; i++) if (i % 4 !== 3) sum += Math.abs(x![i]! - y![i]!);
      return sum / ((x!.length / 4) * 3);
    },
    [a, b],
  );

test(
  'image view: upload, see the overlay first (score explained), the opaque outline, then side by side; download the mask; a failed card can be removed',
  { skip },
  async () => {
    await page.goto(server.url);
    await page.getByText('tiny-test-unet').waitFor();
    assert.match((await page.textContent('#model-info')) ?? '', /Untrained placeholder model/);
    assert.match((await page.textContent('#model-info')) ?? '', /UNet, depth 2, width 4 · input 32×32/);

    const jpeg = join(work, 'frame.jpg');
    const png = join(work, 'second.png');
    await writeFile(jpeg, await picture(622, 529, 'jpeg'));
    await writeFile(png, await picture(320, 240, 'png'));
    await page.setInputFiles('#image-input', [jpeg, png]);
    await page.waitForFunction(
      () => document.querySelectorAll('#image-results .result:not(.busy)').length === 2,
    );
    assert.equal(await page.locator('.result .error').count(), 0);

    const first = page.locator('#image-results .result').last(); // newest first: frame.jpg is last
    assert.match((await first.locator('h2').textContent()) ?? '', /frame\.jpg/);
    assert.match((await first.locator('.summary').textContent()) ?? '', /polyp|No polyp/);
    assert.match((await first.locator('.badge').textContent()) ?? '', /^server · \d+ ms$/);
    const sizes = () =>
      first
        .locator('canvas')
        .evaluateAll((cs) =>
          cs.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]),
        );
    // the overlay is what a result opens with
    assert.equal(await page.getByLabel('Overlay', { exact: true }).isChecked(), true);
    assert.equal(await first.locator('.panes.overlay canvas').count(), 1);
    assert.deepEqual(await sizes(), [[622, 529]]);
    // "score" explains itself on hover/focus
    const help = (await first.locator('.summary abbr.help').getAttribute('title')) ?? '';
    assert.match(help, /mean probability over the polyp's pixels/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      first.getByRole('button', { name: 'Download mask PNG' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'frame-mask.png');
    const meta = await sharp(await download.path()).metadata();
    assert.deepEqual([meta.width, meta.height], [622, 529]);

    // overlay view: one canvas per image, visibly different from the input where the mask is
    await page.screenshot({ path: join(OUT, 'web-image-overlay.png'), fullPage: true });
    const input = await page.evaluate(() => {
      // keep a copy of the input for comparison
      const c = document.querySelector<HTMLCanvasElement>(
        '#image-results .result:last-child .panes.overlay canvas',
      )!;
      const copy = document.createElement('canvas');
      copy.id = 'overlay-at-45';
      copy.width = c.width;
      copy.height = c.height;
      copy.getContext('2d')!.drawImage(c, 0, 0);
      document.body.append(copy);
      return c.width;
    });
    assert.equal(input, 622);
    // opacity 0 shows the plain input: the 45% overlay must differ from it
    await page.locator('#opacity').fill('0');
    const diff = await canvasDifference(
      '#overlay-at-45',
      '#image-results .result:last-child .panes.overlay canvas',
    );
    assert.ok(diff > 1, `overlay differs from the input by ${diff.toFixed(2)}`);
    await page.evaluate(() => document.getElementById('overlay-at-45')!.remove());
    await page.locator('#opacity').fill('45');

    // the outline is drawn opaque whatever the slider says (the slider is off for it)
    await page.getByLabel('Outline').check();
    assert.equal(await page.locator('#opacity').isDisabled(), true);
    const outlinePixels = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>(
        '#image-results .result:last-child .panes.overlay canvas',
      )!;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] === 0 && px[i + 1] === 255 && px[i + 2] === 102) n++;
      return n;
    });
    assert.ok(outlinePixels > 0, 'outline pixels in the exact colour #00FF66');
    await page.getByLabel('Filled').check();
    await page.getByLabel('Side by side').check();
    assert.deepEqual(await sizes(), [
      [622, 529],
      [622, 529],
    ]);

    // a file the server rejects: the card says so and can be removed
    const broken = join(work, 'broken.jpg');
    await writeFile(broken, 'this is not a jpeg');
    await page.setInputFiles('#image-input', [broken]);
    const failed = page.locator('#image-results .result').first();
    await failed.locator('.error').waitFor();
    assert.match((await failed.locator('h2').textContent()) ?? '', /broken\.jpg/);
    await failed.getByRole('button', { name: 'Remove' }).click();
    assert.equal(await page.locator('#image-results .result').count(), 2);
  },
);

test('in-browser mode: the model runs in the page (wasm) and gives a mask too', { skip }, async () => {
  // every text the mode status shows while the model loads
  await page.evaluate(() => {
    const status = document.getElementById('mode-status')!;
    const seen: string[] = ((window as unknown as { statusLog: string[] }).statusLog = []);
    new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await page.getByLabel('in this browser').check();
  // generous: onnxruntime-web compiles its wasm in the page, slow on a busy 2-core machine
  await page.waitForFunction(() => document.body.dataset.mode === 'browser', null, { timeout: 180_000 });
  assert.match((await page.textContent('#mode-status')) ?? '', /In-browser: WebAssembly/);
  const log = await page.evaluate(() => (window as unknown as { statusLog: string[] }).statusLog);
  assert.ok(
    // the tiny test model arrives in one chunk: the percentages may be skipped, never the step
    log.some((t) => /^Downloading the model to this browser \(once\)(: \d+ % of [\d.]+ MB|…)$/.test(t)),
    `download progress shown: ${JSON.stringify(log)}`,
  );
  assert.ok(
    log.some((t) => /^Model downloaded; compiling it for this browser/.test(t)),
    `the compile step is announced: ${JSON.stringify(log)}`,
  );
  const jpeg = join(work, 'frame.jpg');
  await page.setInputFiles('#image-input', [jpeg]);
  await page.waitForFunction(
    () => document.querySelectorAll('#image-results .result:not(.busy)').length === 3,
    null,
    { timeout: 60_000 },
  );
  const newest = page.locator('#image-results .result').first();
  assert.equal(await newest.locator('.error').count(), 0);
  assert.match(
    (await newest.locator('.badge').textContent()) ?? '',
    /^in browser \(WebAssembly.*\) · \d+ ms$/,
  );
  // same model, same image: the browser's mask matches the server's (up to threshold ties)
  const onServer = page.locator('#image-results .result').last();
  const area = async (l: typeof onServer) =>
    Number(/area ([\d.]+)%/.exec((await l.locator('.summary').textContent()) ?? '')?.[1] ?? NaN);
  const a = await area(newest);
  const b = await area(onServer);
  if (Number.isFinite(a) || Number.isFinite(b))
    assert.ok(Math.abs(a - b) < 0.5, `browser ${a}% vs server ${b}%`);
  const masks = await newest
    .locator('canvas')
    .evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement).width));
  assert.deepEqual(masks, [622, 622]);
  await page.screenshot({ path: join(OUT, 'web-image-in-browser.png'), fullPage: true });

  // files the browser cannot decode: the card says what is wrong with the file, and can be removed
  const notImage = join(work, 'notes.png');
  const truncated = join(work, 'cut.jpg');
  await writeFile(notImage, 'shopping list');
  await writeFile(truncated, (await picture(200, 150, 'jpeg')).subarray(0, 300));
  for (const [file, message] of [
    [notImage, /notes\.png is not a JPEG, PNG, WebP, BMP or TIFF image/],
    [truncated, /cut\.jpg starts like a JPEG image but cannot be decoded: the file is damaged or incomplete/],
  ] as const) {
    await page.setInputFiles('#image-input', [file]);
    const card = page.locator('#image-results .result').first();
    await card.locator('.error').waitFor({ timeout: 30_000 });
    assert.match((await card.locator('.error').textContent()) ?? '', message);
    await card.getByRole('button', { name: 'Remove' }).click();
  }
  assert.equal(await page.locator('#image-results .result').count(), 3);
});

test('video view: upload with progress, processing, player with a clickable timeline', { skip }, async () => {
  const clip = join(work, 'clip.mp4');
  makeClip(clip, { width: 160, height: 120, fps: 10, frames: 30 });
  // keyboard: arrow keys move between the tabs
  await page.getByRole('tab', { name: 'Images' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: 'Video' }).getAttribute('aria-selected'), 'true');
  assert.ok(await page.locator('#view-video').isVisible());

  // an upload the server refuses: the card fails, and its Delete button still removes it
  const notVideo = join(work, 'notes.mp4');
  await writeFile(notVideo, 'not a video at all');
  await page.setInputFiles('#video-input', notVideo);
  const failed = page.locator('#video-jobs .job.failed');
  await failed.waitFor({ timeout: 30_000 });
  await failed.getByRole('button', { name: 'Delete' }).click();
  assert.equal(await page.locator('#video-jobs .job').count(), 0);

  await page.setInputFiles('#video-input', clip);
  const job = page.locator('#video-jobs .job').first();
  await job.locator('video').waitFor({ timeout: 60_000 });
  assert.match((await job.locator('.progress-label').textContent()) ?? '', /Done · 30 frames at 10 fps/);
  await page.waitForFunction(
    () => (document.querySelector('#video-jobs video') as HTMLVideoElement).readyState >= 1,
  );
  const duration = await job.locator('video').evaluate((v) => (v as HTMLVideoElement).duration);
  assert.ok(Math.abs(duration - 3) < 0.2, `duration ${duration}`);
  const strip = job.locator('.timeline canvas');
  const box = (await strip.boundingBox())!;
  await strip.click({ position: { x: box.width * 0.5, y: box.height / 2 } });
  const t = await job.locator('video').evaluate((v) => (v as HTMLVideoElement).currentTime);
  assert.ok(Math.abs(t - 1.5) < 0.2, `seeked to ${t}`);
  assert.ok(await job.getByRole('link', { name: 'Download video' }).isVisible());
  await page.screenshot({ path: join(OUT, 'web-video.png'), fullPage: true });

  // the job is remembered: after a reload the result is back (the URL keeps the tab)
  await page.reload();
  assert.ok(await page.locator('#view-video').isVisible());
  await page.locator('#video-jobs .job video').waitFor({ timeout: 30_000 });
  assert.match((await page.locator('#video-jobs .job h2').textContent()) ?? '', /clip\.mp4/);
});

test('live mode: camera frames are segmented in the page with an FPS counter', { skip }, async () => {
  await page.getByRole('tab', { name: 'Live' }).click();
  await page.getByRole('radio', { name: 'This browser', exact: true }).check(); // server mode: test/web/live.test.ts
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(
    () => /^\d+(\.\d)? fps$/.test(document.querySelector('#live-fps')!.textContent ?? ''),
    null,
    {
      timeout: 120_000,
    },
  );
  const fps = Number.parseFloat((await page.textContent('#live-fps')) ?? '');
  assert.ok(fps > 0, `fps ${fps}`);
  assert.match((await page.textContent('#live-status')) ?? '', /Segmenting in this browser/);
  // the frame is shown at the camera's own size (the mask is scaled over it, not the frame shrunk)
  const sizes = await page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('#live-video')!;
    const canvas = document.querySelector<HTMLCanvasElement>('#live-canvas')!;
    return [video.videoWidth, video.videoHeight, canvas.width, canvas.height];
  });
  assert.deepEqual(sizes.slice(2), sizes.slice(0, 2));
  assert.ok(sizes[0]! >= 640, `camera width ${sizes[0]}`);
  await page.screenshot({ path: join(OUT, 'web-live.png') });
  await page.getByRole('button', { name: 'Stop' }).click();
});

test(
  'with an API token the page asks for it once, keeps it for the tab, and images and videos work',
  { skip },
  async () => {
    const guarded = await startServer(modelDir, { webDir: 'web/dist', apiToken: TOKEN });
    const tab = await context.newPage();
    try {
      await tab.goto(guarded.url);
      await tab.getByText('tiny-test-unet').waitFor();
      const png = join(work, 'guarded.png');
      await writeFile(png, await picture(200, 150, 'png'));
      await tab.setInputFiles('#image-input', png);
      const dialog = tab.getByRole('dialog', { name: 'This server needs an API token' });
      await dialog.waitFor();
      await tab.fill('#api-token', 'not-the-token-at-all');
      await tab.getByRole('button', { name: 'Continue' }).click();
      // a wrong token is asked again, saying so
      await dialog.getByText('That token was not accepted.').waitFor();
      await tab.fill('#api-token', TOKEN);
      await tab.getByRole('button', { name: 'Continue' }).click();
      await tab.waitForFunction(
        () => document.querySelectorAll('#image-results .result:not(.busy)').length === 1,
      );
      assert.equal(await tab.locator('.result .error').count(), 0);
      assert.equal(await tab.evaluate(() => sessionStorage.getItem('polypseg-api-token')), TOKEN);

      // the video path (upload, progress stream, player, downloads) reuses the token without asking
      const clip = join(work, 'guarded.mp4');
      makeClip(clip, { width: 96, height: 64, fps: 10, frames: 10 });
      await tab.getByRole('tab', { name: 'Video' }).click();
      await tab.setInputFiles('#video-input', clip);
      const job = tab.locator('#video-jobs .job').first();
      await job.locator('video').waitFor({ timeout: 60_000 });
      assert.match((await job.locator('video').getAttribute('src')) ?? '', /^blob:/);
      await tab.waitForFunction(
        () => (document.querySelector('#video-jobs video') as HTMLVideoElement).readyState >= 1,
      );
      assert.equal(await tab.getByRole('dialog').count(), 0);
      assert.ok(!guarded.logs.some((l) => l.includes(TOKEN)), 'the token never reaches the log');
    } finally {
      await tab.close();
      await guarded.close();
    }
  },
);

test('the Content-Security-Policy fits the app: no violations in any of the runs above', { skip }, () => {
  assert.deepEqual(cspViolations, []);
});
