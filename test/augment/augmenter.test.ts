import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAugmenter } from '../../src/augment/augmenter.ts';
import { compose } from '../../src/augment/transform.ts';
import { createRng } from '../../src/random.ts';
import type { Sample } from '../../src/data/raw-image.ts';
import { colourCoded, countOnes, scene } from './scene.ts';

const same = (a: Sample, b: Sample) => {
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.mask.data, b.mask.data);
};

test('the stream is a function of (seed, epoch, index) only, so resumed training sees the same samples', () => {
  const s = colourCoded();
  const a = createAugmenter({}, 11);
  const b = createAugmenter({}, 11);
  // different call order, same results
  const first = [0, 1, 2].map((i) => a(s, 3, i));
  const again = [2, 1, 0].map((i) => b(s, 3, i)).reverse();
  first.forEach((x, i) => same(x, again[i]!));
  const outputs = new Set(
    [0, 1, 2, 3, 4, 5].map((i) => Buffer.from(a(s, 0, i).image.data).toString('base64')),
  );
  assert.ok(outputs.size >= 5, 'indices give different augmentations');
  assert.notDeepEqual(a(s, 1, 0).image.data, a(s, 2, 0).image.data);
  assert.notDeepEqual(createAugmenter({}, 12)(s, 1, 0).image.data, a(s, 1, 0).image.data);
});

test('enabled: false passes samples through untouched', () => {
  const s = colourCoded();
  const aug = createAugmenter({ enabled: false }, 1);
  assert.equal(aug(s, 0, 0, [scene()]), s);
  assert.deepEqual(aug.donorsFor(0, 0, 100), []);
});

test('donorsFor is the seeded donor sampler: rate about copyPaste.p, distinct indices, lazily equivalent', () => {
  const aug = createAugmenter({ copyPaste: { p: 0.3, donorTries: 3 } }, 5);
  let drawn = 0;
  for (let i = 0; i < 2000; i++) {
    const ks = aug.donorsFor(0, i, 50);
    assert.deepEqual(ks, aug.donorsFor(0, i, 50));
    if (ks.length === 0) continue;
    drawn++;
    assert.equal(ks.length, 3);
    assert.equal(new Set(ks).size, 3);
    for (const k of ks) assert.ok(k >= 0 && k < 50);
  }
  assert.ok(Math.abs(drawn / 2000 - 0.3) < 0.04, `rate ${drawn / 2000}`);
  assert.deepEqual(createAugmenter({ copyPaste: { donorTries: 5 } }, 5).donorsFor(0, 0, 2).length <= 2, true);
});

test('with copy-paste drawn, a donor polyp is added; a donor with the same id is passed over', () => {
  const cfg = {
    copyPaste: { p: 1 },
    rotate: { p: 0 },
    hflip: { p: 0 },
    vflip: { p: 0 },
    zoom: { p: 0 },
    translate: { p: 0 },
    brightness: { p: 0 },
    contrast: { p: 0 },
    saturation: { p: 0 },
    hue: { p: 0 },
    blur: { p: 0 },
  };
  const aug = createAugmenter(cfg, 2);
  const t = scene({ id: 't', polyps: [{ cx: 50, cy: 46, r: 12 }] });
  const d = scene({ id: 'd', polyps: [{ cx: 70, cy: 70, r: 9 }], polypColour: [40, 60, 220] });
  let grew = 0;
  for (let i = 0; i < 10; i++) {
    const out = aug(t, 0, i, [d]);
    if (countOnes(out.mask.data) > countOnes(t.mask.data)) grew++;
    same(out, aug(t, 0, i, [d]));
    assert.equal(aug(t, 0, i, [{ ...d, id: 't' }]), t);
  }
  assert.ok(grew >= 8, `pasted ${grew}/10`);
});

test('the whole pipeline keeps image and mask aligned (colour-coded sample)', () => {
  const s = colourCoded();
  const aug = createAugmenter({ rotate: { p: 1 }, zoom: { p: 1 }, blur: { p: 0 } }, 9);
  for (let i = 0; i < 12; i++) {
    const out = aug(s, 0, i);
    const { width: w } = out.mask;
    let bad = 0;
    for (let p = 0; p < out.mask.data.length; p++) {
      const r = out.image.data[p * 3]!;
      const b = out.image.data[p * 3 + 2]!;
      const red = r > 100 && r > 2 * b;
      if (red === (out.mask.data[p] === 1)) continue;
      const x = p % w;
      const y = (p - x) / w;
      let edge = false;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const q = (y + dy) * w + x + dx;
          if (q >= 0 && q < out.mask.data.length && out.mask.data[q] !== out.mask.data[p]) edge = true;
        }
      if (!edge) bad++;
    }
    assert.equal(bad, 0, `sample ${i}`);
  }
});

test('compose forks one generator per step', () => {
  const seen: number[] = [];
  const probe = (s: Sample, rng: ReturnType<typeof createRng>) => (seen.push(rng.next()), s);
  const s = colourCoded();
  compose([probe, probe])(s, createRng(1));
  compose([probe, probe])(s, createRng(1));
  assert.equal(seen.length, 4);
  assert.notEqual(seen[0], seen[1]);
  assert.deepEqual(seen.slice(0, 2), seen.slice(2));
});
