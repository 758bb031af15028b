import { getHealth, type ModelInfo } from './api.ts';
import { $, h } from './dom.ts';

const METRIC_ORDER = ['iou', 'dice', 'precision', 'recall', 'accuracy'];

function metricsLine(metrics: Record<string, unknown>): string | null {
  const flat = Object.entries(metrics).filter(([, v]) => typeof v === 'number') as Array<[string, number]>;
  if (flat.length === 0) return null;
  flat.sort(([a], [b]) => {
    const ia = METRIC_ORDER.indexOf(a.toLowerCase());
    const ib = METRIC_ORDER.indexOf(b.toLowerCase());
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const split = typeof metrics.split === 'string' ? ` on ${metrics.split}` : '';
  return `${flat
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' · ')}${split}`;
}

export function architectureLine(m: ModelInfo): string {
  const a = m.architecture;
  const type = a.type === 'double-unet' ? 'Double-UNet' : a.type === 'unet' ? 'UNet' : a.type;
  const parts = [type, a.depth ? `depth ${a.depth}` : '', a.baseWidth ? `width ${a.baseWidth}` : ''].filter(
    Boolean,
  );
  return `${parts.join(', ')} · input ${m.inputSize}×${m.inputSize}${m.parameters ? ` · ${(m.parameters / 1e6).toFixed(2)} M parameters` : ''}`;
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
        metrics ? `Test metrics: ${metrics}` : 'No evaluation metrics recorded',
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
