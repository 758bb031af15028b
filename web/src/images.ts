import type { Polyp } from '../../src/api/schemas.ts';
import { segmentOnServer } from './api.ts';
import { $, download, dropTarget, h, percent } from './dom.ts';
import type { RawImage } from '../../src/data/raw-image.ts';
import {
  decodeMaskPng,
  drawOverlay,
  maskCanvas,
  maskLayer,
  maskToPng,
  layerOpacity,
  type OverlayStyle,
  type PageMask,
} from './mask.ts';
import type { Mode } from './mode.ts';
import { bitmapPixels, segmentInBrowser, undecodableReason } from './in-browser.ts';

/** What either mode produces for one image. */
export interface PageResult {
  mask: PageMask;
  coverage: number;
  polyps: Polyp[];
  ms: number;
  mode: Mode;
  backend: string;
}

interface Display {
  layout: 'side' | 'overlay';
  style: OverlayStyle;
  opacity: number;
}

interface Item {
  file: File;
  li: HTMLLIElement;
  bitmap?: ImageBitmap;
  pixels?: RawImage;
  result?: PageResult;
  layers: Partial<Record<OverlayStyle, OffscreenCanvas>>;
}

const baseName = (name: string) => name.replace(/\.[^.]+$/, '') || 'image';

const SCORE_HELP =
  "Score: the model's mean probability over the polyp's pixels, from 0 to 1. Higher means the model " +
  'is more confident; it is not the chance that the finding is a polyp.';

/** "score" with its explanation on hover and focus (keyboard and screen readers get it too). */
const scoreTerm = (text = 'score') => h('abbr', { class: 'help', title: SCORE_HELP, tabindex: '0' }, text);

/** Under a result's summary, in plain words: what its two numbers mean. */
const SUMMARY_HINT =
  "Area: the share of the image inside the outline. Score: how sure the model is, from 0 to 1 (its mean probability over the polyp's pixels, not the chance that it is a polyp).";

/** A polyp's area as a share of its image: "3.4%" ("<0.1%" for specks). */
const share = (area: number, mask: { width: number; height: number }) => {
  const x = area / (mask.width * mask.height);
  return x > 0 && x < 0.001 ? '<0.1%' : percent(x);
};

/** The image view: a list of uploaded images, each with its input, mask and overlay. */
export function setupImages(getMode: () => Mode): void {
  const input = $<HTMLInputElement>('image-input');
  const list = $<HTMLOListElement>('image-results');
  const opacity = $<HTMLInputElement>('opacity');
  const opacityValue = $<HTMLOutputElement>('opacity-value');
  const items: Item[] = [];
  // Overlay first: clinicians look for the polyp on the image, not at a black-and-white mask.
  const display: Display = { layout: 'overlay', style: 'filled', opacity: 0.45 };
  let queue = Promise.resolve();

  const redrawAll = () => items.forEach(render);

  document.querySelectorAll<HTMLInputElement>('input[name=layout]').forEach((r) =>
    r.addEventListener('change', () => {
      display.layout = r.value as Display['layout'];
      redrawAll();
    }),
  );
  document.querySelectorAll<HTMLInputElement>('input[name=style]').forEach((r) =>
    r.addEventListener('change', () => {
      display.style = r.value as OverlayStyle;
      opacity.disabled = display.style === 'outline';
      redrawAll();
    }),
  );
  opacity.addEventListener('input', () => {
    display.opacity = Number(opacity.value) / 100;
    opacityValue.value = `${opacity.value}%`;
    redrawAll();
  });
  $('clear-images').addEventListener('click', () => {
    items.splice(0).forEach((it) => it.li.remove());
  });

  const add = (files: File[]) => {
    for (const file of files) {
      if (file.type.startsWith('video/')) continue;
      const item: Item = { file, li: h('li', { class: 'result busy', 'aria-busy': 'true' }), layers: {} };
      items.unshift(item);
      list.prepend(item.li);
      render(item);
      // one at a time: keeps the server (or this tab) responsive and results arrive in order
      queue = queue.then(() => process(item));
    }
  };

  const process = async (item: Item) => {
    const mode = getMode();
    try {
      item.bitmap = await createImageBitmap(item.file).catch(() => undefined);
      render(item);
      const started = performance.now();
      if (mode === 'browser') {
        if (!item.bitmap) throw new Error(await undecodableReason(item.file));
        const r = await segmentInBrowser(item.bitmap);
        item.result = {
          mask: r.mask,
          coverage: r.coverage,
          polyps: r.polyps,
          backend: r.backend,
          ms: performance.now() - started,
          mode,
        };
      } else {
        const r = await segmentOnServer(item.file);
        const mask = await decodeMaskPng(r.mask);
        item.result = {
          mask,
          coverage: r.coverage,
          polyps: r.polyps,
          ms: performance.now() - started,
          mode,
          backend: 'server',
        };
      }
    } catch (err) {
      item.li.dataset.error = (err as Error).message;
    }
    item.li.classList.remove('busy');
    item.li.removeAttribute('aria-busy');
    render(item);
  };

  input.addEventListener('change', () => {
    add([...(input.files ?? [])]);
    input.value = '';
  });
  dropTarget($('image-drop'), add);
  document.addEventListener('paste', (e) => {
    if (!$('view-images').hidden) {
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (files.length)
        add(
          files.map(
            (f, i) =>
              new File([f], f.name === 'image.png' ? `pasted-${Date.now()}-${i}.png` : f.name, {
                type: f.type,
              }),
          ),
        );
    }
  });

  function layer(item: Item): OffscreenCanvas {
    item.pixels ??= bitmapPixels(item.bitmap!);
    return (item.layers[display.style] ??= maskLayer(item.pixels, item.result!.mask, display.style));
  }

  function canvasOf(item: Item, kind: 'input' | 'mask' | 'overlay'): HTMLCanvasElement {
    const { width, height } = item.result?.mask ?? item.bitmap ?? { width: 1, height: 1 };
    const c = h('canvas', { width, height, role: 'img' });
    // the stylesheet sizes the overlay to the window by its aspect (CSSOM: allowed by the page's CSP)
    c.style.setProperty('--aspect', String(width / height));
    const g = c.getContext('2d')!;
    if (kind === 'input' && item.bitmap) g.drawImage(item.bitmap, 0, 0, width, height);
    if (kind === 'mask') g.drawImage(maskCanvas(item.result!.mask), 0, 0);
    if (kind === 'overlay' && item.bitmap)
      drawOverlay(c, item.bitmap, layer(item), layerOpacity(display.style, display.opacity));
    return c;
  }

  function figure(canvas: HTMLCanvasElement | HTMLElement, caption: string, label: string) {
    canvas.setAttribute('aria-label', label);
    return h('figure', {}, canvas, h('figcaption', {}, caption));
  }

  function render(item: Item): void {
    const { file, result, li } = item;
    const error = li.dataset.error;
    const name = file.name || 'pasted image';
    const summary: (Node | string)[] = result
      ? result.polyps.length === 0
        ? ['No polyp found']
        : [
            `${result.polyps.length} polyp${result.polyps.length > 1 ? 's' : ''} · area ${percent(result.coverage)} of the image · ${result.polyps.length > 1 ? 'best ' : ''}`,
            scoreTerm(),
            ` ${Math.max(...result.polyps.map((p) => p.score)).toFixed(2)}`,
          ]
      : error
        ? []
        : [getMode() === 'browser' ? 'Segmenting in this browser…' : 'Segmenting…'];
    const badge = result
      ? h(
          'span',
          { class: 'badge', title: 'where the model ran' },
          `${result.mode === 'browser' ? `in browser (${result.backend})` : 'server'} · ${Math.round(result.ms)} ms`,
        )
      : null;
    const head = h(
      'header',
      {},
      h('h2', {}, name),
      badge,
      h('p', { class: 'summary', role: 'status' }, ...summary),
      result && result.polyps.length > 0 ? h('p', { class: 'hint' }, SUMMARY_HINT) : null,
    );
    const body: Node[] = [];
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'quiet',
        onclick: () => {
          items.splice(items.indexOf(item), 1);
          li.remove();
        },
      },
      'Remove',
    );
    if (error)
      body.push(
        h('p', { class: 'error', role: 'alert' }, `Could not segment this image: ${error}`),
        h('div', { class: 'actions' }, remove),
      );
    if (result) {
      const panes =
        display.layout === 'side'
          ? h(
              'div',
              { class: 'panes side' },
              item.bitmap
                ? figure(canvasOf(item, 'input'), 'Input', `Input image ${name}`)
                : h('figure', {}, h('p', { class: 'note' }, 'No preview for this format in the browser')),
              figure(canvasOf(item, 'mask'), 'Predicted mask', `Predicted polyp mask for ${name}`),
            )
          : h(
              'div',
              { class: 'panes overlay' },
              figure(
                canvasOf(item, item.bitmap ? 'overlay' : 'mask'),
                display.style === 'outline'
                  ? 'Overlay (outline)'
                  : `Overlay (filled, ${Math.round(display.opacity * 100)}%)`,
                `Image ${name} with the predicted polyps overlaid`,
              ),
            );
      body.push(panes);
      if (result.polyps.length > 0) {
        body.push(
          h(
            'details',
            {},
            h('summary', {}, 'Polyps'),
            h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, '#'),
                  h('th', { scope: 'col' }, 'Area (share of the image)'),
                  h('th', { scope: 'col' }, scoreTerm('Score')),
                  h('th', { scope: 'col' }, 'Box x, y, w, h (pixels)'),
                ),
              ),
              h(
                'tbody',
                {},
                ...result.polyps.map((p, i) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, String(i + 1)),
                    h('td', {}, share(p.area, result.mask)),
                    h('td', {}, p.score.toFixed(3)),
                    h('td', {}, p.bbox.join(', ')),
                  ),
                ),
              ),
            ),
          ),
        );
      }
      body.push(
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              onclick: async () => download(await maskToPng(result.mask), `${baseName(name)}-mask.png`),
            },
            'Download mask PNG',
          ),
          item.bitmap
            ? h(
                'button',
                {
                  type: 'button',
                  onclick: async () => {
                    const c = new OffscreenCanvas(result.mask.width, result.mask.height);
                    drawOverlay(c, item.bitmap!, layer(item), layerOpacity(display.style, display.opacity));
                    download(await c.convertToBlob({ type: 'image/png' }), `${baseName(name)}-overlay.png`);
                  },
                },
                'Download overlay PNG',
              )
            : null,
          remove,
        ),
      );
    } else if (!error && item.bitmap) {
      body.push(
        h('div', { class: 'panes side' }, figure(canvasOf(item, 'input'), 'Input', `Input image ${name}`)),
      );
    }
    li.replaceChildren(head, ...body);
  }
}
