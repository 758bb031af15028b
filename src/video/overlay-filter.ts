import type { OverlayStyle } from '../segment/overlay.ts';
import type { FieldCoding } from './mask-field.ts';

/** BT.601 limited-range Y, Cb, Cr of an RGB colour: what ffmpeg's rgb24 -> yuv420p conversion gives. */
export function rgbToYuv([r, g, b]: [number, number, number]): [number, number, number] {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const u = 128 + (-37.797 * r - 74.203 * g + 112 * b) / 255;
  const v = 128 + (112 * r - 93.786 * g - 18.214 * b) / 255;
  return [Math.round(y), Math.round(u), Math.round(v)];
}

export interface OverlayFilterSpec {
  /** decoded frame size */
  width: number;
  height: number;
  /** model size: the field input is size x 2*size gray (see mask-field.ts) */
  size: number;
  /** frame rate as ffmpeg reads it, e.g. '25' or '30000/1001' */
  fpsRational: string;
  style: OverlayStyle;
  coding: FieldCoding;
}

/**
 * The ffmpeg filter graph that draws the overlay natively: input 0 is the source video, input 1 the
 * per-frame mask fields. The fields are upscaled (bilinear) to the luma and the chroma size, and one
 * 8-bit lookup table turns (probability, distance) into a state per pixel: 0 outside, 1 fill,
 * 2 outline (the frame border counts as background, as in maskBoundary). A second lookup table blends
 * the colour into Y, U and V with drawOverlay's integer weights. Blending in YUV equals blending in
 * RGB (the conversion is affine), so the look matches the still overlay; only chroma at the mask's
 * edge differs by the 2x2 subsampling the encoder applies anyway.
 *
 * Both inputs are retimed to frame-index timestamps, so lut2 pairs frame n with field n. (ffmpeg
 * 4.x's maskedmerge duplicates frames with three inputs; lut2 and mergeplanes do not.) Output [out]
 * is yuv420p, padded to even sizes.
 */
export function overlayFilterGraph(spec: OverlayFilterSpec): string {
  const { width: w, height: h, size: s, fpsRational, style, coding } = spec;
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const retime = `setpts=N/(${fpsRational})/TB`;
  const state = `lut2=c0='if(gte(x\\,${coding.thresholdByte})\\,if(lt(y\\,${style.outline * coding.unit})\\,2\\,1)\\,0)'`;
  // the outline includes mask pixels within `k` of the frame's edge: zero distance in a k-pixel ring
  const border = (pw: number, ph: number, k: number) =>
    style.outline && 2 * k < pw && 2 * k < ph
      ? `,crop=${pw - 2 * k}:${ph - 2 * k}:${k}:${k},pad=${pw}:${ph}:${k}:${k}`
      : '';
  const planes = (label: string, pw: number, ph: number, k: number) =>
    `[p${label}]crop=${s}:${s}:0:0,scale=${pw}:${ph}:flags=bilinear[pu${label}];` +
    `[e${label}]crop=${s}:${s}:0:${s},scale=${pw}:${ph}:flags=bilinear${border(pw, ph, k)}[eu${label}];` +
    `[pu${label}][eu${label}]${state}`;
  const [cy, cu, cv] = rgbToYuv(style.rgb);
  const a = `if(eq(y\\,2)\\,256\\,if(eq(y\\,1)\\,${style.alpha256}\\,0))`;
  const blend = (c: number) => `'floor((x*(256-${a})+${c}*${a})/256)'`;
  const pad = w % 2 || h % 2 ? ',pad=ceil(iw/2)*2:ceil(ih/2)*2' : '';
  return [
    `[1:v]${retime},split=4[pY][eY][pC][eC]`,
    `${planes('Y', w, h, style.outline)}[sy]`,
    `${planes('C', cw, ch, Math.ceil(style.outline / 2))},split[su][sv]`,
    `[sy][su][sv]mergeplanes=0x001020:yuv420p[state]`,
    // frames keep the probed size even when the stream changes resolution midway (a new SPS):
    // lut2 needs both inputs at one size, and the encoder cannot change size mid-stream
    `[0:v]scale=${w}:${h},${retime},format=yuv420p[src]`,
    `[src][state]lut2=c0=${blend(cy)}:c1=${blend(cu)}:c2=${blend(cv)}${pad}[out]`,
  ].join(';');
}
