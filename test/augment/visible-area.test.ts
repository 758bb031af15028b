import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldOfView, findScopeGuideInset, visibleArea } from '../../src/augment/visible-area.ts';
import { connectedComponents } from '../../src/segment/components.ts';
import { scene } from './scene.ts';

test('the visible area is the lit disc minus burnt-in text on the border, eroded off the rim', () => {
  const s = scene();
  const n = s.image.width;
  // white "text" in the black top-left corner
  for (let y = 4; y < 10; y++)
    for (let x = 3; x < 20; x++) s.image.data.fill(255, (y * n + x) * 3, (y * n + x) * 3 + 3);
  const v = visibleArea(s.image, { lumaThreshold: 28, erodeFraction: 0.05 });
  assert.equal(v.data[6 * n + 10], 0, 'text is not visible area');
  assert.equal(v.data[64 * n + 64], 1);
  assert.equal(connectedComponents(v).components.length, 1);
  // every visible pixel is at least r = round(0.05 n) from the black border
  const r = Math.round(0.05 * n);
  const c = (n - 1) / 2;
  for (let p = 0; p < v.data.length; p++) {
    if (!v.data[p]) continue;
    const d = Math.hypot((p % n) - c, Math.floor(p / n) - c);
    assert.ok(d <= 0.47 * n - r + 1, `visible pixel at radius ${d}`);
  }
});

test('the ScopeGuide inset is found by colour and cut out; dark lumen is excluded but inside the field of view', () => {
  const s = scene({ inset: true });
  const n = s.image.width;
  const box = findScopeGuideInset(s.image);
  if (!box) throw new Error('inset not found');
  assert.equal(box.x0, 0);
  assert.equal(box.y1, n);
  assert.ok(box.x1 >= 0.36 * n && box.y0 <= 0.68 * n);
  assert.equal(findScopeGuideInset(scene().image), null);
  const v = visibleArea(s.image, { lumaThreshold: 28, erodeFraction: 0 });
  for (let y: number = box.y0; y < box.y1; y++)
    for (let x: number = box.x0; x < box.x1; x++) assert.equal(v.data[y * n + x], 0);
  // a dark lumen blob in the middle
  const lumen = scene();
  for (let y = 54; y < 74; y++)
    for (let x = 54; x < 74; x++) lumen.image.data.fill(8, (y * n + x) * 3, (y * n + x) * 3 + 3);
  assert.equal(visibleArea(lumen.image, { lumaThreshold: 28, erodeFraction: 0 }).data[64 * n + 64], 0);
  assert.equal(fieldOfView(lumen.image, 28).data[64 * n + 64], 1);
  assert.equal(fieldOfView(lumen.image, 28).data[0], 0);
});
