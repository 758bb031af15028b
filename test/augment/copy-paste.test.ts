import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyPaste, type CopyPasteResult } from '../../src/augment/copy-paste.ts';
import { createRng } from '../../src/random.ts';
import { dilate, erode } from '../../src/augment/morphology.ts';
import { findScopeGuideInset, visibleArea } from '../../src/augment/visible-area.ts';
import { copyPasteConfigSchema } from '../../src/augment/config.ts';
import type { Sample } from '../../src/data/raw-image.ts';
import { countOnes, scene } from './scene.ts';

const opts = copyPasteConfigSchema.parse({});
const N = 128;
// the feather reaches grow + ceil(3 sigma) + 1 pixels beyond the polyp
const sigma = opts.featherFraction * N;
const RING = Math.round(sigma) + Math.ceil(3 * sigma) + 1;
const MARGIN = Math.round(opts.marginFraction * N);

const target = () =>
  scene({ id: 'target', polyps: [{ cx: 48, cy: 44, r: 14 }], polypColour: [150, 40, 50], inset: true });
const donor = () => scene({ id: 'donor', polyps: [{ cx: 70, cy: 66, r: 10 }], polypColour: [40, 60, 220] });

function changedPixels(before: Sample, after: Sample): Uint8Array {
  const out = new Uint8Array(before.mask.data.length);
  for (let p = 0; p < out.length; p++)
    for (let c = 0; c < 3; c++) if (before.image.data[p * 3 + c] !== after.image.data[p * 3 + c]) out[p] = 1;
  return out;
}

function pasteMany(seeds: number): CopyPasteResult[] {
  return Array.from({ length: seeds }, (_, seed) => copyPaste(target(), donor(), createRng(seed)));
}

test('pastes succeed on a roomy target and add exactly one polyp of the donor size', () => {
  const results = pasteMany(20);
  const ok = results.filter((r) => r.pasted);
  assert.ok(ok.length >= 16, `only ${ok.length}/20 pasted`);
  const donorArea = countOnes(donor().mask.data);
  for (const r of ok) {
    const area = countOnes(r.pastedMask!.data);
    assert.ok(
      Math.abs(area / donorArea - 1) < 0.5 || area < donorArea,
      `pasted area ${area} vs ${donorArea}`,
    );
    const t = target();
    for (let p = 0; p < t.mask.data.length; p++)
      assert.equal(r.sample.mask.data[p], t.mask.data[p] || r.pastedMask!.data[p]);
  }
});

test('the pasted polyp and its feather never overlap an existing polyp (margin kept)', () => {
  const t = target();
  const near = dilate(t.mask, MARGIN);
  for (const r of pasteMany(20).filter((r) => r.pasted)) {
    const changed = changedPixels(t, r.sample);
    for (let p = 0; p < changed.length; p++) {
      assert.ok(!(changed[p] && near.data[p]), 'changed a pixel within the margin of the old polyp');
      assert.ok(!(r.pastedMask!.data[p] && t.mask.data[p]), 'pasted polyp overlaps the old one');
    }
  }
});

test('mask and image stay aligned: changed pixels lie within the feather of the new mask, the new mask shows the donor polyp', () => {
  const t = target();
  for (const r of pasteMany(20).filter((r) => r.pasted)) {
    const changed = changedPixels(t, r.sample);
    const reach = dilate(r.pastedMask!, RING);
    const core = erode(r.pastedMask!, 1);
    const edge = dilate(r.pastedMask!, 1);
    let coreBlue = 0;
    for (let p = 0; p < changed.length; p++) {
      if (changed[p]) assert.equal(reach.data[p], 1, 'image changed far from the pasted mask');
      const [rr, , bb] = [r.sample.image.data[p * 3]!, 0, r.sample.image.data[p * 3 + 2]!];
      const blue = bb > 150 && bb > rr + 80; // the donor's polyp colour
      if (blue) assert.equal(edge.data[p], 1, 'donor polyp colour outside the pasted mask');
      if (core.data[p]) {
        assert.ok(blue, 'pasted mask pixel without donor polyp colour');
        coreBlue++;
      }
    }
    assert.ok(coreBlue > 0);
  }
});

test('pastes stay in the visible area: off the black border and off the ScopeGuide inset', () => {
  const t = target();
  const inset = findScopeGuideInset(t.image);
  assert.ok(inset, 'the synthetic inset is detected');
  const visible = visibleArea(t.image, opts);
  for (const r of pasteMany(20).filter((r) => r.pasted)) {
    const changed = changedPixels(t, r.sample);
    for (let p = 0; p < changed.length; p++) {
      if (!changed[p]) continue;
      const x = p % N;
      const y = Math.floor(p / N);
      assert.equal(visible.data[p], 1, `changed pixel (${x},${y}) outside the visible area`);
      assert.ok(!(x >= inset.x0 && x < inset.x1 && y >= inset.y0 && y < inset.y1), 'pasted on the inset');
      const luma =
        0.299 * t.image.data[p * 3]! + 0.587 * t.image.data[p * 3 + 1]! + 0.114 * t.image.data[p * 3 + 2]!;
      assert.ok(luma > opts.lumaThreshold, 'pasted on black');
    }
  }
});

test('an impossible paste is skipped, not forced, and returns the target untouched', () => {
  const full = scene({ id: 'full', polyps: [{ cx: 63.5, cy: 63.5, r: 58 }] });
  const black = scene({ id: 'black', view: 0 });
  const noPolyp = scene({ id: 'none' });
  const cutByBorder = scene({ id: 'cut', polyps: [{ cx: 63.5 + 52, cy: 63.5, r: 14 }] });
  // a central polyp leaves a ring too narrow for a big cut-out, though many centres are in bounds
  const bigDonor = scene({ id: 'big', polyps: [{ cx: 63.5, cy: 63.5, r: 25 }] });
  const ringOnly = scene({ id: 'ring', polyps: [{ cx: 63.5, cy: 63.5, r: 20 }] });
  const cases: [Sample, Sample, string, object][] = [
    [full, donor(), 'no-room', {}],
    [black, donor(), 'no-room', {}],
    [target(), noPolyp, 'no-usable-donor-polyp', {}],
    [target(), cutByBorder, 'no-usable-donor-polyp', {}],
    [ringOnly, bigDonor, 'no-room', { maxAreaFraction: 1, scale: [1, 1] }],
  ];
  for (const [t, d, reason, o] of cases) {
    const before = t.image.data.slice();
    const r = copyPaste(t, d, createRng(1), { tries: 200, ...o });
    assert.equal(r.pasted, false, `${t.id} <- ${d.id}`);
    assert.equal(r.reason, reason, `${t.id} <- ${d.id}`);
    assert.equal(r.sample, t);
    assert.deepEqual(t.image.data, before);
  }
});

test('copy-paste is deterministic under a seed, varies across seeds, and rescales across resolutions', () => {
  const a = copyPaste(target(), donor(), createRng(5));
  const b = copyPaste(target(), donor(), createRng(5));
  assert.deepEqual(a.sample.image.data, b.sample.image.data);
  assert.deepEqual(a.box, b.box);
  const boxes = new Set(pasteMany(10).map((r) => JSON.stringify(r.box)));
  assert.ok(boxes.size >= 5);
  // a 256 px donor pasted into a 128 px target shrinks by the resolution ratio
  const big = scene({ size: 256, polyps: [{ cx: 140, cy: 132, r: 20 }] });
  const r = copyPaste(target(), big, createRng(2), { scale: [1, 1], tries: 100 });
  assert.ok(r.pasted);
  const ratio = countOnes(r.pastedMask!.data) / countOnes(big.mask.data);
  assert.ok(Math.abs(ratio - 0.25) < 0.06, `area ratio ${ratio}`);
});

test('a cut-out with no room at full size is retried smaller (never larger) before being skipped', () => {
  const t = scene({ id: 'ring', polyps: [{ cx: 63.5, cy: 63.5, r: 20 }] });
  const d = scene({ id: 'big', polyps: [{ cx: 63.5, cy: 63.5, r: 18 }] });
  const near = dilate(t.mask, MARGIN);
  for (let seed = 0; seed < 6; seed++) {
    const r = copyPaste(t, d, createRng(seed), { maxAreaFraction: 1, scale: [1, 1], rotate: [0, 0] });
    assert.ok(r.pasted, `seed ${seed}: ${r.reason}`);
    const ratio = countOnes(r.pastedMask!.data) / countOnes(d.mask.data);
    assert.ok(ratio > 0.2 && ratio < 0.65, `area ratio ${ratio}`);
    const changed = changedPixels(t, r.sample);
    for (let p = 0; p < changed.length; p++) assert.ok(!(changed[p] && near.data[p]));
  }
});
