import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { picture } from '../server/helpers.ts';
import { skipWithoutChromium as skip, startBrowserApp, type BrowserApp } from './browser.ts';

/** The shipped model's training record and scores, given to the tiny test model the server runs. */
const shipped = JSON.parse(readFileSync('models/default/polypseg.json', 'utf8')) as {
  training: unknown;
  metrics: unknown;
};

let app: BrowserApp;
let page: Page;

before(async () => {
  if (skip) return;
  app = await startBrowserApp({}, async (dir) => {
    const file = join(dir, 'polypseg.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...meta, training: shipped.training, metrics: shipped.metrics }));
  });
  page = app.page;
});
after(async () => {
  await app?.close();
});

/** The element's box within the viewport, and whether all of it is inside. */
const placement = (selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return {
      top: Math.round(r.top),
      left: Math.round(r.left),
      width: Math.round(r.width),
      height: Math.round(r.height),
      inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
    };
  });

test(
  'the model is described in plain words first; the research metrics wait behind a details disclosure',
  { skip },
  async () => {
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(app.server.url);
    const plain = page.locator('#model-info .model-plain');
    await plain.waitFor();
    assert.equal(
      await plain.textContent(),
      'Trained on 1,298 colonoscopy images (Kvasir-SEG and CVC-ClinicDB). On 100 test images it had not ' +
        "seen, it outlined the polyp well in 90 (90 %), meaning at least 80 % overlap with the expert's " +
        "outline. On average its outline and the expert's overlap by 91 %. Always check its outlines yourself.",
    );
    const details = page.locator('#model-info details');
    assert.equal(await details.getAttribute('open'), null, 'closed at first');
    const metrics = page.locator('#model-info .model-metrics');
    assert.equal(await metrics.isVisible(), false, 'research metrics hidden until asked for');
    await details.locator('summary').click();
    assert.equal(await metrics.isVisible(), true);
    assert.match((await metrics.textContent()) ?? '', /IoU 0\.851 · Dice 0\.908/);
    await details.locator('summary').click();
  },
);

test('the "Run the model" switch stays in place while its status changes', { skip }, async () => {
  await page.setViewportSize({ width: 1400, height: 1000 });
  const radio = () => placement('#mode input[value=browser]');
  const before = await radio();
  await page.evaluate(() => {
    const status = document.getElementById('mode-status') as HTMLOutputElement;
    status.value = 'Model downloaded; compiling it for this browser (a few seconds, once)…';
  });
  const during = await radio();
  await page.evaluate(() => {
    const status = document.getElementById('mode-status') as HTMLOutputElement;
    status.value = 'In-browser: WebAssembly, 4 threads. Images never leave this computer.';
  });
  const afterwards = await radio();
  for (const p of [during, afterwards]) {
    assert.ok(Math.abs(p.left - before.left) <= 1, `moved sideways: ${before.left} -> ${p.left}`);
    assert.ok(Math.abs(p.top - before.top) <= 1, `moved down: ${before.top} -> ${p.top}`);
  }
});

for (const [width, height] of [
  [1400, 1000],
  [1280, 720],
] as const) {
  test(
    `at ${width}×${height} the first result's overlay is visible whole without scrolling; area and score explained inline`,
    { skip },
    async () => {
      await page.setViewportSize({ width, height });
      await page.goto(app.server.url);
      await page.locator('#model-info .model-plain').waitFor();
      const file = join(app.work, 'colonoscopy.jpg');
      await writeFile(file, await picture(622, 529, 'jpeg'));
      await page.setInputFiles('#image-input', file);
      await page.waitForFunction(() => document.querySelector('#image-results .result:not(.busy)') !== null);
      const overlay = await placement('#image-results .result .panes.overlay canvas');
      assert.ok(overlay.inside, `overlay ${JSON.stringify(overlay)} inside ${width}×${height}`);
      assert.ok(overlay.width >= 300, `overlay large enough to read: ${overlay.width} px wide`);
      assert.equal(await page.evaluate(() => scrollY), 0);
      const summary = (await page.locator('#image-results .result .summary').textContent()) ?? '';
      if (!/No polyp/.test(summary)) {
        assert.match(summary, /area [\d.]+% of the image/);
        assert.doesNotMatch(summary, /px/);
        assert.match(
          (await page.locator('#image-results .result .hint').textContent()) ?? '',
          /Area: the share of the image .* Score: how sure the model is, from 0 to 1/,
        );
      }
    },
  );
}
