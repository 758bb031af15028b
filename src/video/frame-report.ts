import type { Polyp, Segmentation } from '../segment/types.ts';
import type { FrameResult } from './process-video.ts';

/**
 * A model-size polyp in frame coordinates: the box grows to whole frame pixels covering the model
 * pixels, the area scales by the pixel ratio (rounded), the mean probability is kept.
 */
export function scalePolyp(p: Polyp, scaleX: number, scaleY: number, width: number, height: number): Polyp {
  const [x, y, w, h] = p.bbox;
  const x0 = Math.floor(x * scaleX);
  const y0 = Math.floor(y * scaleY);
  const x1 = Math.min(width, Math.ceil((x + w) * scaleX));
  const y1 = Math.min(height, Math.ceil((y + h) * scaleY));
  return { area: Math.round(p.area * scaleX * scaleY), bbox: [x0, y0, x1 - x0, y1 - y0], score: p.score };
}

/** One frame's JSON entry from its model-size segmentation, in the frame's pixels. */
export function frameResult(
  index: number,
  fps: number,
  seg: Segmentation,
  width: number,
  height: number,
): FrameResult {
  const sx = width / seg.width;
  const sy = height / seg.height;
  const polyps = seg.polyps.map((p) => scalePolyp(p, sx, sy, width, height));
  const area = polyps.reduce((a, p) => a + p.area, 0);
  return {
    frame: index,
    time: index / fps,
    count: polyps.length,
    area,
    coverage: area / (width * height),
    score: polyps.reduce((a, p) => Math.max(a, p.score), 0),
    polyps,
  };
}
