import type { ModelInfo } from '../../src/api/schemas.ts';
import { getHealth } from './api.ts';
import { $, h } from './dom.ts';

const METRIC_ORDER = ['iou', 'dice', 'precision', 'recall', 'accuracy'];

const numbers = (o: Record<string, unknown>) =>
  Object.entries(o).filter(([, v]) => typeof v === 'number') as Array<[string, number]>;

/**
 * "IoU 0.812 · Dice 0.880 (test)": flat metrics, or the first of the nested groups polypseg.json
 * may hold ({test: {...}}, {validation: {...}}), test preferred.
 */
export function metricsLine(metrics: Record<string, unknown>): string | null {
  let flat = numbers(metrics);
  let label = typeof metrics.split === 'string' ? metrics.split : '';
  if (flat.length === 0) {
    const groups = Object.entries(metrics).filter(([, v]) => v && typeof v === 'object') as Array<
      [string, Record<string, unknown>]
    >;
    groups.sort(([a], [b]) => (a === 'test' ? -1 : b === 'test' ? 1 : 0));
    const [name, group] = groups[0] ?? ['', {}];
    flat = numbers(group).filter(([k]) => k !== 'epoch' && k !== 'loss');
    label = name;
  }
  if (flat.length === 0) return null;
  const rank = (k: string) => {
    const i = METRIC_ORDER.indexOf(k.toLowerCase());
    return i < 0 ? 99 : i;
  };
  flat.sort(([a], [b]) => rank(a) - rank(b));
  const pretty = (k: string) => ({ iou: 'IoU', dice: 'Dice' })[k.toLowerCase()] ?? k;
  const text = flat
    .slice(0, 4)
    // counts (images: 100) stay integers; scores get three decimals
    .map(([k, v]) => `${pretty(k)} ${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(' · ');
  return label ? `${text} (${label})` : text;
}

export function architectureLine(m: ModelInfo): string {
  const a = m.architecture;
  const names: Record<string, string> = {
    unet: 'UNet',
    'double-unet': 'Double-UNet',
    'mobilenetv2-unet': 'UNet on MobileNetV2',
  };
  const type = names[a.type] ?? a.type;
  const parts = [type, a.depth ? `depth ${a.depth}` : '', a.baseWidth ? `width ${a.baseWidth}` : ''].filter(
    Boolean,
  );
  return `${parts.join(', ')} · input ${m.inputSize}×${m.inputSize}${m.parameters ? ` · ${(m.parameters / 1e6).toFixed(2)} M parameters` : ''}${m.tta ? ' · flip TTA on images' : ''}`;
}

/** Fills the header's model box from /healthz; warns loudly when the model is untrained. */
export async function showModelInfo(): Promise<ModelInfo | null> {
  const box = $('model-info');
  try {
    const { model } = await getHealth();
    const metrics = metricsLine(model.metrics);
    box.replaceChildren(
      h('div', { class: 'model-name' }, h('span', { class: 'label' }, 'Model '), h('strong', {}, model.name)),
      h('div', { class: 'model-arch' }, architectureLine(model)),
      h(
        'div',
        { class: 'model-metrics' },
        metrics ? `Metrics: ${metrics}` : 'No evaluation metrics recorded',
      ),
    );
    if (!model.trained) {
      box.append(
        h(
          'div',
          { class: 'warning', role: 'alert' },
          'Untrained placeholder model — its masks are not meaningful.',
        ),
      );
    }
    return model;
  } catch (err) {
    box.replaceChildren(
      h('span', { class: 'error', role: 'alert' }, `Server unavailable: ${(err as Error).message}`),
    );
    return null;
  }
}
