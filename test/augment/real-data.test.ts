import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { datasetDir, loadSample } from '../../src/data/index.ts';
import { skipUnless } from '../helpers/prerequisite.ts';
import { copyPaste } from '../../src/augment/copy-paste.ts';
import { createRng } from '../../src/random.ts';
import { dilate } from '../../src/augment/morphology.ts';
import { findScopeGuideInset, visibleArea } from '../../src/augment/visible-area.ts';

const DATA = resolve(datasetDir());
const skip = skipUnless(existsSync(DATA), `no dataset at ${DATA} (POLYPSEG_DATASET points elsewhere)`);

test(
  'on real Kvasir-SEG frames: the ScopeGuide inset is found, and pastes avoid it and the old polyp',
  { skip },
  async () => {
    const withInset = await loadSample(DATA, 'cjyzuio1qgh040763k56deohv', { size: 256 });
    const plain = await loadSample(DATA, 'cju0qkwl35piu0993l0dewei2', { size: 256 });
    // a donor with a whole (not border-cut) polyp
    const donor = await loadSample(DATA, 'cju0roawvklrq0799vmjorwfv', { size: 256 });
    const inset = findScopeGuideInset(withInset.image);
    assert.ok(inset, 'inset found');
    assert.ok(
      inset.x1 < 128 && inset.y0 > 128,
      `inset box ${JSON.stringify(inset)} is in the lower-left quadrant`,
    );
    assert.equal(findScopeGuideInset(plain.image), null);

    for (const target of [withInset, plain]) {
      const visible = visibleArea(target.image, { lumaThreshold: 28, erodeFraction: 0.02 });
      const nearPolyp = dilate(target.mask, Math.round(0.03 * 256));
      let pasted = 0;
      for (let seed = 0; seed < 6; seed++) {
        const r = copyPaste(target, donor, createRng(seed));
        if (!r.pasted) continue;
        pasted++;
        for (let p = 0; p < 256 * 256; p++) {
          const changed = [0, 1, 2].some(
            (c) => r.sample.image.data[p * 3 + c] !== target.image.data[p * 3 + c],
          );
          if (!changed) continue;
          assert.equal(visible.data[p], 1, 'changed a pixel outside the visible area');
          assert.equal(nearPolyp.data[p], 0, 'changed a pixel near the existing polyp');
        }
      }
      assert.ok(pasted >= 3, `only ${pasted}/6 pastes fitted into ${target.id}`);
    }
  },
);
