// An accessibility audit by a tool nobody here wrote: axe-core, in Chromium, on each of the page's main
// states. Every rule axe runs by default (WCAG 2 A/AA and best practices: contrast, landmarks, names...)
// must pass; a violation fails the test with axe's own description of each failing element.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { picture, startServer } from '../server/helpers.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { skipWithoutChromium as skip, startBrowserApp, type BrowserApp } from './browser.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let app: BrowserApp;
let page: Page;

before(async () => {
  if (skip) return;
  app = await startBrowserApp();
  page = app.page;
});
after(async () => {
  if (skip) return;
  await app?.close();
});

/** axe's violations on the page as it is now, one readable line per failing element. */
async function violations(target: Page = page): Promise<string[]> {
  // evaluated over the DevTools protocol, so the page's Content-Security-Policy does not block it
  if (!(await target.evaluate(() => 'axe' in window))) await target.evaluate(AXE_SOURCE);
  const results = await target.evaluate(
    // a string: the test runner's transpiler must not rewrite code that runs in the page
    `axe.run(document, { resultTypes: ['violations'] })`,
  );
  return (results as AxeResults).violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary ?? v.help}`),
  );
}

test('axe finds what it should: a low-contrast text and an unnamed button fail', { skip }, async () => {
  // the audit itself must be able to fail here, or "no violations" below proves nothing
  await page.goto(app.server.url);
  await page.getByText('tiny-test-unet').waitFor();
  await page.evaluate(() => {
    document.querySelector('footer')!.style.color = '#9aa5b1';
    document.querySelector('main')!.append(document.createElement('button'));
  });
  const found = await violations();
  assert.ok(
    found.some((v) => v.startsWith('color-contrast') && v.includes('footer')),
    found.join('\n'),
  );
  assert.ok(
    found.some((v) => v.startsWith('button-name')),
    found.join('\n'),
  );
});

test('images view: no violations before and after a result', { skip }, async () => {
  await page.goto(app.server.url);
  await page.getByText('tiny-test-unet').waitFor();
  assert.deepEqual(await violations(), [], 'images view, empty');

  const png = join(app.work, 'frame.png');
  await writeFile(png, await picture(320, 240, 'png'));
  await page.setInputFiles('#image-input', png);
  await page.waitForFunction(
    () => document.querySelectorAll('#image-results .result:not(.busy)').length === 1,
  );
  assert.deepEqual(await violations(), [], 'images view with a result (overlay)');
  await page.getByLabel('Side by side').check();
  assert.deepEqual(await violations(), [], 'images view with a result (side by side)');

  const broken = join(app.work, 'broken.jpg');
  await writeFile(broken, 'this is not a jpeg');
  await page.setInputFiles('#image-input', broken);
  await page.locator('#image-results .result .error').waitFor();
  assert.deepEqual(await violations(), [], 'images view with a failed card');
});

test('video view: no violations after a job', { skip }, async () => {
  const clip = join(app.work, 'clip.mp4');
  makeClip(clip, { width: 96, height: 64, fps: 10, frames: 10 });
  await page.getByRole('tab', { name: 'Video' }).click();
  assert.deepEqual(await violations(), [], 'video view, empty');
  await page.setInputFiles('#video-input', clip);
  const job = page.locator('#video-jobs .job').first();
  await job.locator('video').waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () => (document.querySelector('#video-jobs video') as HTMLVideoElement).readyState >= 1,
  );
  assert.deepEqual(await violations(), [], 'video view with a finished job');
});

test('live view: no violations while the camera is segmented', { skip }, async () => {
  await page.getByRole('tab', { name: 'Live' }).click();
  assert.deepEqual(await violations(), [], 'live view, stopped');
  await page.getByRole('button', { name: 'Start' }).click();
  // generous: onnxruntime-web compiles its wasm in the page, slow on a busy machine
  await page.waitForFunction(
    () => /^\d+(\.\d)? fps$/.test(document.getElementById('live-fps')?.textContent ?? ''),
    null,
    { timeout: 120_000 },
  );
  assert.deepEqual(await violations(), [], 'live view, running');
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('the API token dialog: no violations', { skip }, async () => {
  const guarded = await startServer(app.modelDir, {
    webDir: 'web/dist',
    apiToken: 'axe-token-0123456789abcdef',
  });
  const tab = await app.context.newPage();
  try {
    await tab.goto(guarded.url);
    await tab.getByText('tiny-test-unet').waitFor();
    const png = join(app.work, 'guarded.png');
    await writeFile(png, await picture(64, 48, 'png'));
    await tab.setInputFiles('#image-input', png);
    await tab.getByRole('dialog', { name: 'This server needs an API token' }).waitFor();
    assert.deepEqual(await violations(tab), [], 'token dialog open');
  } finally {
    await tab.close();
    await guarded.close();
  }
});
