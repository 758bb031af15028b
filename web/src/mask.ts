/** Masks in the page: decoding the server's PNG, drawing overlays, encoding downloads. */
import type { BinaryMask, RawImage } from '../../src/data/raw-image.ts';
import { overlayMask } from '../../src/segment/overlay.ts';

export type PageMask = BinaryMask;
export type OverlayStyle = 'filled' | 'outline';

export async function decodeMaskPng(base64: string): Promise<PageMask> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  const px = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const data = new Uint8Array(bitmap.width * bitmap.height);
  for (let i = 0; i < data.length; i++) data[i] = px[i * 4]! >= 128 ? 1 : 0;
  return { width: bitmap.width, height: bitmap.height, data };
}

/** An RGBA RawImage as ImageData, sharing its pixels. */
export function toImageData(image: RawImage): ImageData {
  if (image.channels !== 4) throw new Error('expected RGBA pixels');
  const px = new Uint8ClampedArray(
    image.data.buffer as ArrayBuffer,
    image.data.byteOffset,
    image.data.length,
  );
  return new ImageData(px, image.width, image.height);
}

const toCanvas = (image: RawImage): OffscreenCanvas => {
  const canvas = new OffscreenCanvas(image.width, image.height);
  canvas.getContext('2d')!.putImageData(toImageData(image), 0, 0);
  return canvas;
};

/**
 * Outline width in the page: about 1 % of the image's short side (5 px at 622×529), at least 2 px, so
 * the line stays visible on red mucosa at the sizes images are shown.
 */
export const outlineWidth = (width: number, height: number) =>
  Math.max(2, Math.round(Math.min(width, height) / 100));

/**
 * The image fully overlaid (the shared overlay at opacity 1, or its outline): the page then blends
 * it over the input with globalAlpha, which is the same blend at the slider's opacity, so moving
 * the slider costs one drawImage.
 */
export function maskLayer(pixels: RawImage, mask: PageMask, style: OverlayStyle): OffscreenCanvas {
  const full = overlayMask(
    pixels,
    mask,
    style === 'filled'
      ? { opacity: 1 }
      : { opacity: 0, outline: true, outlineWidth: outlineWidth(mask.width, mask.height) },
  );
  return toCanvas(full);
}

/** How strongly a layer is blended: the fill follows the slider, an outline is always opaque. */
export const layerOpacity = (style: OverlayStyle, slider: number) => (style === 'outline' ? 1 : slider);

export function drawOverlay(
  target: HTMLCanvasElement | OffscreenCanvas,
  image: CanvasImageSource,
  layer: OffscreenCanvas,
  opacity: number,
): void {
  const g = target.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  g.globalAlpha = 1;
  g.drawImage(image, 0, 0, target.width, target.height);
  g.globalAlpha = opacity;
  g.drawImage(layer, 0, 0, target.width, target.height);
  g.globalAlpha = 1;
}

/** The mask as black/white pixels (0/255), same size as the input. */
export function maskCanvas(mask: PageMask): OffscreenCanvas {
  const data = new Uint8Array(mask.data.length * 4);
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i] ? 255 : 0;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return toCanvas({ width: mask.width, height: mask.height, channels: 4, data });
}

export const maskToPng = (mask: PageMask): Promise<Blob> =>
  maskCanvas(mask).convertToBlob({ type: 'image/png' });
