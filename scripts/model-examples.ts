// Example overlays for a model card: prediction filled (red), ground truth outlined (green).
// usage: node --import tsx scripts/model-examples.ts --model DIR --data DIR --ids a,b,c --out DIR [--width 480]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { drawOutline } from '../src/augment/index.ts';
import { DEFAULT_DATA_DIR, decodeImage, decodeMask, encodePng, findFile } from '../src/data/index.ts';
import { confusion, dice } from '../src/metrics/index.ts';
import { createSegmenter, renderOverlay } from '../src/segment/index.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    data: { type: 'string', default: DEFAULT_DATA_DIR },
    ids: { type: 'string' },
    out: { type: 'string', default: 'docs/model-examples' },
    width: { type: 'string', default: '480' },
  },
});
const segmenter = await createSegmenter(values.model!, { runtime: 'onnx' });
await mkdir(values.out!, { recursive: true });
for (const id of (values.ids ?? '').split(',').filter(Boolean)) {
  const image = await decodeImage(findFile(values.data!, 'images', id)!);
  const truth = await decodeMask(findFile(values.data!, 'masks', id)!);
  const seg = await segmenter.segment(image);
  const d = dice(confusion(seg.probabilities, truth.data, segmenter.metadata.threshold));
  const shown = drawOutline(
    renderOverlay(image, seg, { color: '#ff2020', opacity: 0.4 }),
    truth,
    [40, 230, 60],
    3,
  );
  const png = await sharp(await encodePng(shown))
    .resize({ width: Number(values.width) })
    .png()
    .toBuffer();
  const file = join(values.out!, `${id}.png`);
  await writeFile(file, png);
  console.log(`${file}\tDice ${d.toFixed(3)}\tpolyps ${seg.polyps.length}`);
}
await segmenter.dispose();
