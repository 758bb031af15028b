import {
  parseFlags,
  parseNumber,
  parsePositiveInt,
  requireFlag,
  UsageError,
  type Command,
} from './command.ts';
import { resolveSplit } from './split-flag.ts';

const usage = `usage: polypseg augment --data DIR --split SPLIT --out DIR [--n 16] [--seed S] [--copies K]
                        [--sheet-only] [--config FILE] [--size PX] [--sheet-size PX] [--include-originals]

  Writes OUT/augment-basic.png (originals beside 3 augmented versions) and OUT/augment-copypaste.png
  (target | donor | result) with mask outlines: green = polyp, cyan = pasted polyp.
  --data DIR           dataset folder with images/, masks/ and splits/
  --out DIR            where the sheets (and with --copies the expanded dataset) go; created if needed
  --seed S             integer seed of the sample choice and the augmentations (default 1)
  --copies K           also write an expanded dataset to OUT: images/ID_aK.jpg, masks/ID_aK.png and
                       splits/<split name>.txt listing the new IDs (K augmented versions per image)
  --include-originals  with --copies: copy the originals (ID.jpg, ID.png) into OUT and the split too
  --sheet-only         only the sheets (what happens without --copies; refuses --copies)
  --n N                samples on each sheet (default 16)
  --config FILE        JSON: a training config (its "augment" section is used) or an augment section
  --size PX            resize samples to PX x PX before augmenting --copies (default: keep their size)
  --sheet-size PX      cell size of the contact sheets (default 256)
  --split SPLIT        a split name under DIR/splits/ (e.g. pranet-train) or a file of ids, one a line`;

const command: Command = {
  name: 'augment',
  summary: 'contact sheets of augmentations / copy-paste, and an offline augmented dataset (--copies)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      data: { type: 'string' },
      split: { type: 'string' },
      out: { type: 'string' },
      n: { type: 'string', default: '16' },
      seed: { type: 'string', default: '1' },
      copies: { type: 'string' },
      'sheet-only': { type: 'boolean', default: false },
      config: { type: 'string' },
      size: { type: 'string' },
      'sheet-size': { type: 'string', default: '256' },
      'include-originals': { type: 'boolean', default: false },
    });
    const data = requireFlag(values.data, 'data');
    const out = requireFlag(values.out, 'out');
    const splitFile = resolveSplit(data, requireFlag(values.split, 'split'));
    const n = parsePositiveInt(values.n, 'n');
    const seed = parseNumber(values.seed, 'seed', -(2 ** 53 - 1), 2 ** 53 - 1);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, not '${values.seed}'`);
    const copies = values.copies === undefined ? 0 : parsePositiveInt(values.copies, 'copies');
    if (copies && values['sheet-only']) throw new UsageError('--sheet-only and --copies exclude each other');
    const size = values.size === undefined ? undefined : parsePositiveInt(values.size, 'size');
    const sheetSize = parsePositiveInt(values['sheet-size'], 'sheet-size');
    const { runAugment } = await import('./augment-run.ts');
    return runAugment({
      data,
      out,
      splitFile,
      n,
      seed,
      copies,
      size,
      sheetSize,
      configFile: values.config,
      includeOriginals: values['include-originals'],
    });
  },
};

export default command;
