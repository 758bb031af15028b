import { checkPair, type ProbabilityMap } from './validate.ts';

const EPS = 2.220446049250313e-16; // MATLAB eps, kept where the toolbox adds it

/**
 * Structure measure, Fan et al. (ICCV 2017), as in the PraNet toolbox (`StructureMeasure.m`):
 * S = alpha * S_object + (1 - alpha) * S_region, clamped at 0. Truth with no foreground gives
 * 1 - mean(prob); truth all foreground gives mean(prob).
 */
export function sMeasure(
  prob: ProbabilityMap,
  truth: Uint8Array,
  width: number,
  height: number,
  alpha = 0.5,
): number {
  checkPair(prob, truth, width, height);
  let fg = 0;
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    fg += truth[i];
    sum += prob[i];
  }
  if (fg === 0) return 1 - sum / truth.length;
  if (fg === truth.length) return sum / truth.length;
  const q = alpha * objectScore(prob, truth) + (1 - alpha) * regionScore(prob, truth, width, height);
  return Math.max(0, q);
}

/** Object-aware part: foreground and background each scored on mean and spread of the prediction. */
function objectScore(prob: ProbabilityMap, truth: Uint8Array): number {
  const fg = meanAndStd(prob, truth, 1, false);
  const bg = meanAndStd(prob, truth, 0, true);
  const u = fg.count / truth.length;
  return u * similarity(fg) + (1 - u) * similarity(bg);
}

function similarity({ mean, std }: { mean: number; std: number }): number {
  return (2 * mean) / (mean * mean + 1 + std + EPS);
}

/** Mean and sample standard deviation (n - 1, like MATLAB std) of prob (or 1 - prob) where truth == label. */
function meanAndStd(prob: ProbabilityMap, truth: Uint8Array, label: number, invert: boolean) {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== label) continue;
    count++;
    sum += invert ? 1 - prob[i] : prob[i];
  }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== label) continue;
    const d = (invert ? 1 - prob[i] : prob[i]) - mean;
    ss += d * d;
  }
  return { count, mean, std: count > 1 ? Math.sqrt(ss / (count - 1)) : 0 };
}

/**
 * Region-aware part: split at the truth's centroid (MATLAB: X, Y = rounded 1-based centroid, the
 * top-left block is rows 1..Y, columns 1..X) into four blocks, SSIM-like score per block, weighted
 * by block area. An empty block has weight 0 and is skipped (MATLAB would produce NaN * 0).
 */
function regionScore(prob: ProbabilityMap, truth: Uint8Array, width: number, height: number): number {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!truth[y * width + x]) continue;
      total++;
      sx += x + 1;
      sy += y + 1;
    }
  }
  const cx = Math.round(sx / total);
  const cy = Math.round(sy / total);
  const area = width * height;
  const blocks = [
    [0, cy, 0, cx],
    [0, cy, cx, width],
    [cy, height, 0, cx],
    [cy, height, cx, width],
  ];
  let q = 0;
  for (const [y0, y1, x0, x1] of blocks) {
    const blockArea = (y1 - y0) * (x1 - x0);
    if (blockArea === 0) continue;
    q += (blockArea / area) * blockSsim(prob, truth, width, y0, y1, x0, x1);
  }
  return q;
}

function blockSsim(
  prob: ProbabilityMap,
  truth: Uint8Array,
  width: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
): number {
  const n = (y1 - y0) * (x1 - x0);
  let sp = 0;
  let st = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      sp += prob[y * width + x];
      st += truth[y * width + x];
    }
  }
  const mx = sp / n;
  const my = st / n;
  let vx = 0;
  let vy = 0;
  let cxy = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dx = prob[y * width + x] - mx;
      const dy = truth[y * width + x] - my;
      vx += dx * dx;
      vy += dy * dy;
      cxy += dx * dy;
    }
  }
  const norm = n - 1 + EPS;
  vx /= norm;
  vy /= norm;
  cxy /= norm;
  const a = 4 * mx * my * cxy;
  const b = (mx * mx + my * my) * (vx + vy);
  if (a !== 0) return a / (b + EPS);
  return b === 0 ? 1 : 0;
}
