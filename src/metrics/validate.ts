import { PolypsegError } from '../errors.ts';

/** A probability map in [0, 1] (float) or a binary 0/1 prediction (uint8), row-major. */
export type ProbabilityMap = Float32Array | Float64Array | Uint8Array;

/** Throws unless width and height are positive integers whose product is the expected length. */
export function checkSize(width: number, height: number, length: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new PolypsegError(`metrics: bad image size ${width}x${height}`, 'METRICS_INPUT');
  }
  if (width * height !== length) {
    throw new PolypsegError(
      `metrics: ${width}x${height} needs ${width * height} pixels, got ${length}`,
      'METRICS_INPUT',
    );
  }
}

/** Throws unless the two arrays have the same, non-zero length. */
export function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new PolypsegError(
      `metrics: prediction has ${a.length} pixels but truth has ${b.length}`,
      'METRICS_INPUT',
    );
  }
  if (a.length === 0) throw new PolypsegError('metrics: empty mask', 'METRICS_INPUT');
}

/** Throws unless every value is 0 or 1 (catches raw 0..255 masks passed by mistake). */
export function checkBinary(name: string, mask: Uint8Array): void {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] > 1) {
      throw new PolypsegError(
        `metrics: ${name} must hold 0/1 values, found ${mask[i]} at pixel ${i} (binarise it first)`,
        'METRICS_INPUT',
      );
    }
  }
}

/** Throws unless every value lies in [0, 1] (NaN included); uint8 maps must be 0/1. */
export function checkProbability(name: string, map: ProbabilityMap): void {
  if (map instanceof Uint8Array) return checkBinary(name, map);
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (!(v >= 0 && v <= 1)) {
      throw new PolypsegError(
        `metrics: ${name} must lie in [0, 1], found ${v} at pixel ${i}`,
        'METRICS_INPUT',
      );
    }
  }
}

/** All the checks for a (prediction, truth) pair, optionally with its size. */
export function checkPair(prob: ProbabilityMap, truth: Uint8Array, width?: number, height?: number): void {
  checkSameLength(prob, truth);
  if (width !== undefined && height !== undefined) checkSize(width, height, truth.length);
  checkProbability('prediction', prob);
  checkBinary('truth', truth);
}
