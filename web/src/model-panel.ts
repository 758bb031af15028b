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

/** Public names of the dataset folders models are trained on. */
const DATASETS: Record<string, string> = {
  'kvasir-seg': 'Kvasir-SEG',
  'cvc-clinicdb': 'CVC-ClinicDB',
  'cvc-clinicdb-train': 'CVC-ClinicDB',
  'cvc-colondb': 'CVC-ColonDB',
  'etis-laribpolypdb': 'ETIS-LaribPolypDB',
};

const pct = (x: number) => `${Math.round(x * 100)} %`;
const list = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

interface TestScores {
  images?: number;
  dice?: number;
  goodOutlines?: { dice?: number; images?: number; share?: number };
}

/**
 * The model in a clinician's words: what it learned from, and how often it outlined polyps well on
 * images it had not seen (from the test scores recorded with the model), e.g. "Trained on 1,298
 * colonoscopy images (Kvasir-SEG and CVC-ClinicDB). On 100 test images it had not seen, it outlined
 * the polyp well in 90 (90 %): at least 80 % overlap with the expert's outline. …"
 */
export function plainSummary(m: ModelInfo): string {
  if (!m.trained) return 'This is an untrained placeholder model: its outlines mean nothing.';
  const sentences: string[] = [];
  if (m.trainedOn) {
    const names = [...new Set(m.trainedOn.datasets.map((d) => DATASETS[d.toLowerCase()] ?? d))];
    sentences.push(
      `Trained on ${m.trainedOn.images.toLocaleString('en-US')} colonoscopy images${names.length ? ` (${list(names)})` : ''}.`,
    );
  } else sentences.push('Outlines polyps in colonoscopy images.');
  const test = (m.metrics as { test?: TestScores }).test;
  const good = test?.goodOutlines;
  if (test?.images && good?.images !== undefined && good.share !== undefined && good.dice !== undefined)
    sentences.push(
      `On ${test.images} test images it had not seen, it outlined the polyp well in ${good.images} (${pct(good.share)}), ` +
        `meaning at least ${pct(good.dice)} overlap with the expert's outline.`,
    );
  if (test?.images && test.dice !== undefined)
    sentences.push(`On average its outline and the expert's overlap by ${pct(test.dice)}.`);
  else if (!test) sentences.push('No test results are recorded with it.');
  sentences.push('Always check its outlines yourself.');
  return sentences.join(' ');
}

/** Fills the header's model box from /healthz: the plain-words line, the research details folded away. */
export async function showModelInfo(): Promise<ModelInfo | null> {
  const box = $('model-info');
  try {
    const { model } = await getHealth();
    const metrics = metricsLine(model.metrics);
    box.replaceChildren(
      h('p', { class: 'model-plain' }, plainSummary(model)),
      h(
        'details',
        { class: 'model-details' },
        h(
          'summary',
          { class: 'model-name' },
          h('span', { class: 'label' }, 'Details for researchers: '),
          h('strong', {}, model.name),
        ),
        h('div', { class: 'model-arch' }, architectureLine(model)),
        h(
          'div',
          { class: 'model-metrics' },
          metrics ? `Metrics: ${metrics}` : 'No evaluation metrics recorded',
        ),
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
