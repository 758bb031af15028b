import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Segmenter } from '../segment/types.ts';
import { ProgressBar } from '../progress.ts';
import { parseFlags, requireFlag, type Command } from './command.ts';
import { openSegmenterFromFlags, SEGMENT_FLAGS, SEGMENT_FLAGS_USAGE } from './segment-flags.ts';

const usage = `usage: polypseg benchmark --model DIR --sets FILE [--root DIR] [--out DIR] [--json] [--compare DIR2]
                          [--toolbox-normalize]

  Scores a model on named test sets (e.g. configs/benchmarks/pranet.json: Kvasir, CVC-ClinicDB,
  CVC-ColonDB, CVC-300, ETIS-LaribPolypDB) and prints one table: per set the PraNet toolbox measures
  papers report (mDice, mIoU over 256 thresholds, weighted F, S-measure, mean E-measure, MAE) and the
  per-image Dice / IoU of the mask users get (model threshold, small regions dropped). Sets whose folder
  is not under --root are listed as "not found".
  --sets FILE     JSON: {"sets": [{"name", "locations": [{"dir", "split"?}]}]}; dirs relative to --root
  --root DIR      where the sets' dirs are looked up (default ../shared/data)
  --out DIR       write benchmark.md, benchmark.csv, benchmark.json and per-image/SET.MODEL.csv there
  --json          print the rows as one JSON object instead of the table
  --compare DIR2  a second model, scored with the same options, in rows beside the first
  --toolbox-normalize
                  min-max rescale each probability map before the toolbox measures, as PraNet's test
                  script does before it saves the maps that published tables score (default: raw maps)
${SEGMENT_FLAGS_USAGE}`;

const command: Command = {
  name: 'benchmark',
  summary: 'score a model (or two side by side) on named test sets: PraNet toolbox table',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...SEGMENT_FLAGS,
      sets: { type: 'string' },
      root: { type: 'string', default: '../shared/data' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      compare: { type: 'string' },
      'toolbox-normalize': { type: 'boolean', default: false },
    });
    const setsFile = requireFlag(values.sets, 'sets');
    const { benchmarkCsv, benchmarkMarkdown, benchmarkSetsSchema, resolveSet, runBenchmark } =
      await import('../evaluate/benchmark.ts');
    const { parseConfig, readJsonFile } = await import('../train/config.ts');
    const { sets } = parseConfig(benchmarkSetsSchema, await readJsonFile(setsFile), 'benchmark', setsFile);
    const resolved = await Promise.all(sets.map((s) => resolveSet(s, values.root)));
    for (const s of resolved) if (!s.found) console.error(`${s.name}: not found under ${values.root}`);

    const opened: { label: string; segmenter: Segmenter }[] = [];
    try {
      const first = await openSegmenterFromFlags(values);
      opened.push({ label: label(values.model), segmenter: first.segmenter });
      if (values.compare) {
        const second = await openSegmenterFromFlags({ ...values, model: values.compare });
        opened.push({ label: label(values.compare), segmenter: second.segmenter });
      }
      if (opened.length === 2 && opened[0]!.label === opened[1]!.label) {
        opened[0]!.label = values.model;
        opened[1]!.label = values.compare!;
      }
      const bars = new Map<string, ProgressBar>();
      const toolboxNormalize = values['toolbox-normalize'];
      if (values.out) await mkdir(join(values.out, 'per-image'), { recursive: true });
      const rows = await runBenchmark(opened, resolved, {
        ...first.options,
        toolboxNormalize,
        onEvaluated: async (set, model, ev) => {
          if (values.out) await writeFile(join(values.out, 'per-image', perImageName(set, model)), ev.csv);
        },
        onProgress: (set, model, done, total) => {
          const key = `${set} · ${model}`;
          if (!bars.has(key)) bars.set(key, new ProgressBar(key, total));
          bars.get(key)!.update(done);
        },
      });
      const markdown = benchmarkMarkdown(rows);
      const json = { models: opened.map((m) => m.label), toolboxNormalize, rows };
      if (values.out) {
        await writeFile(join(values.out, 'benchmark.md'), markdown);
        await writeFile(join(values.out, 'benchmark.csv'), benchmarkCsv(rows));
        await writeFile(join(values.out, 'benchmark.json'), JSON.stringify(json, null, 2) + '\n');
      }
      console.log(values.json ? JSON.stringify(json) : markdown);
      return 0;
    } finally {
      for (const m of opened) await m.segmenter.dispose();
    }
  },
};

/** `Kvasir.default.csv`: one file per (set, model), its characters safe in any file system */
function perImageName(set: string, model: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '_');
  return `${safe(set)}.${safe(model)}.csv`;
}

/** A model's row label: its folder name (models/default -> default). */
function label(dir: string): string {
  return basename(dir.replace(/[\\/]+$/, '')) || dir;
}

export default command;
