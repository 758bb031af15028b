import { parseFlags, parsePositiveInt, UsageError, type Command } from './command.ts';

const usage = `usage: polypseg experiment table2 [--budget small|full|tiny|FILE] [--out DIR] [--data DIR]
                                [--limit N] [--threads N] [--keep-models]

  table2   the original's Table 2: UNet (original / augmented / pretrained encoder / both) and
           Double-UNet (original / augmented), one budget, each evaluated once on the test split.
           Re-running the same command continues an interrupted experiment and skips finished runs.

  --budget B     small (default), full or tiny (configs/table2/B.json: epochs, image size, splits),
                 or the path of a budget file of that form
  --out DIR      the experiment folder: runs, logs, the table (markdown, CSV) and the learning-curve
                 plot; default runs/table2-B
  --data DIR     dataset folder with images/, masks/ and splits/; default the one the experiment in
                 --out recorded, else ../shared/data/kvasir-seg
  --limit N      use only the first N ids of the training and of the test split (a quick check);
                 default all
  --threads N    wasm threads for training and evaluation; default all cores, at most 8
  --keep-models  keep each finished run's model weights; default delete them (logs and scores stay)`;

const EXPERIMENTS = ['table2'];

const command: Command = {
  name: 'experiment',
  summary: "reproduce the original's Table 2 (augmentation x pretraining x model), resumable",
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        budget: { type: 'string', default: 'small' },
        out: { type: 'string' },
        data: { type: 'string' },
        limit: { type: 'string' },
        threads: { type: 'string' },
        'keep-models': { type: 'boolean', default: false },
      },
      true,
    );
    const [name, ...rest] = positionals;
    if (!name || !EXPERIMENTS.includes(name) || rest.length)
      throw new UsageError(`name one experiment (${EXPERIMENTS.join(', ')})`);
    const limit = values.limit === undefined ? undefined : parsePositiveInt(values.limit, 'limit');
    const threads = values.threads === undefined ? undefined : parsePositiveInt(values.threads, 'threads');
    const out = values.out ?? `runs/table2-${values.budget.replace(/[^a-z0-9-]/gi, '_')}`;
    const { runTable2 } = await import('../experiment/table2/run.ts');
    const result = await runTable2({
      budget: values.budget,
      out,
      data: values.data,
      limit,
      threads,
      keepModels: values['keep-models'],
      command: ['polypseg experiment', ...argv].join(' '),
    });
    if (result.interrupted) return 130;
    console.log(`${result.files.markdown}\n${result.files.csv}\n${result.files.svg}`);
    return result.complete ? 0 : 1;
  },
};

export default command;
