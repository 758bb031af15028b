import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distanceToForeground } from '../../src/metrics/index.ts';
import { filterSeparable, gaussianKernel1d } from '../../src/metrics/gaussian-filter.ts';
import { close } from './helpers.ts';

function lcg(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

test('EDT equals brute force on random masks, nearest index is a true nearest', () => {
  const rnd = lcg(3);
  for (const [w, h, density] of [
    [13, 9, 0.1],
    [1, 12, 0.2],
    [12, 1, 0.2],
    [20, 17, 0.02],
    [8, 8, 0.6],
  ]) {
    const m = Uint8Array.from({ length: w * h }, () => (rnd() < density ? 1 : 0));
    m[Math.floor(rnd() * m.length)] = 1;
    const { distance, nearest } = distanceToForeground(m, w, h);
    for (let i = 0; i < m.length; i++) {
      const [x, y] = [i % w, Math.floor(i / w)];
      let best = Infinity;
      for (let j = 0; j < m.length; j++) {
        if (m[j]) best = Math.min(best, Math.hypot((j % w) - x, Math.floor(j / w) - y));
      }
      close(distance[i], best, 1e-12, `distance at ${x},${y}`);
      const q = nearest[i];
      assert.equal(m[q], 1);
      close(Math.hypot((q % w) - x, Math.floor(q / w) - y), best, 1e-12, `nearest at ${x},${y}`);
    }
  }
});

test('EDT of a mask with no foreground is Infinity / -1', () => {
  const { distance, nearest } = distanceToForeground(new Uint8Array(6), 3, 2);
  assert.ok(distance.every((d) => d === Infinity));
  assert.ok(nearest.every((i) => i === -1));
});

test('7x7 Gaussian (sigma 5) is normalised and separable filtering equals direct 2-D with zero padding', () => {
  const k = gaussianKernel1d(7, 5);
  close(
    k.reduce((a, b) => a + b, 0),
    1,
    1e-15,
  );
  const norm = [-3, -2, -1, 0, 1, 2, 3].reduce((a, i) => a + Math.exp(-(i * i) / 50), 0);
  close(k[3], 1 / norm, 1e-15);
  close(k[0], Math.exp(-9 / 50) / norm, 1e-15);

  const rnd = lcg(11);
  const [w, h] = [9, 6];
  const src = Float64Array.from({ length: w * h }, rnd);
  const out = filterSeparable(src, w, h, k);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let dy = -3; dy <= 3; dy++) {
        for (let dx = -3; dx <= 3; dx++) {
          const [xx, yy] = [x + dx, y + dy];
          if (xx >= 0 && xx < w && yy >= 0 && yy < h) acc += k[dx + 3] * k[dy + 3] * src[yy * w + xx];
        }
      }
      close(out[y * w + x], acc, 1e-14);
    }
  }
});
