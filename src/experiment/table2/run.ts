import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ProgressBar } from '../../progress.ts';
import { DEFAULT_DATA_DIR, readSplit } from '../../data/index.ts';
import { initEngine } from '../../engine/index.ts';
import { PolypsegError } from '../../errors.ts';
import { evaluateDataset, evaluationJson } from '../../evaluate/evaluate-dataset.ts';
import { buildModel } from '../../models/index.ts';
import { runPretraining } from '../../pretrain/run.ts';
import { createSegmenter } from '../../segment/index.ts';
import type { Callback, EpochLog } from '../../train/callbacks.ts';
import type { CheckpointState } from '../../train/checkpoint.ts';
import { datasetAvailable, runTraining } from '../../train/run.ts';
import { resolveSplitPath } from '../../train/training-data.ts';
import {
  pruneWeights,
  readJsonIfExists,
  RESULT_FILE,
  stepStatus,
  TRAINED_FILE,
  writeJson,
} from '../run-state.ts';
import { readBudget, type Budget } from './budget.ts';
import {
  table2Csv,
  table2Markdown,
  valIouSvg,
  type ExperimentRecord,
  type PretrainRecord,
  type RunRecord,
  type Table2Report,
} from './report.ts';
import { pretrainConfigFor, SETTINGS, trainConfigFor, type DataChoice, type Setting } from './settings.ts';

export interface Table2Options {
  /** a budget name (configs/table2/<name>.json) or a budget file */
  budget: string;
  /** experiment directory; keep it relative (as given) so a committed run resumes on another checkout */
  out: string;
  /** dataset root; default: the one recorded in out/experiment.json, else ../shared/data/kvasir-seg */
  data?: string;
  /** first N IDs of the training and of the test split (quick checks) */
  limit?: number;
  threads?: number;
  /** keep model weights of finished runs (default: deleted, logs and metrics stay) */
  keepModels?: boolean;
  /** the command line, for the table header */
  command?: string;
  log?: (line: string) => void;
  /** extra callbacks for every segmentation run (tests use one to interrupt) */
  callbacks?: Callback[];
}

export interface Table2Result {
  complete: boolean;
  interrupted: boolean;
  /** settings trained or evaluated by this call, and those found finished */
  ran: string[];
  skipped: string[];
  files: { markdown: string; csv: string; svg: string };
}

type TrainedRecord = Omit<RunRecord, 'test' | 'evalSeconds'>;

const trainSeconds = (history: EpochLog[]) => history.reduce((a, e) => a + e.seconds, 0);

function countParameters(budget: Budget): ExperimentRecord['parameters'] {
  const count = (arch: Budget['unet'] | Budget['doubleUnet']) => {
    const model = buildModel(arch, budget.inputSize);
    const n = model.countParams();
    model.dispose();
    return n;
  };
  return { unet: count(budget.unet), doubleUnet: count(budget.doubleUnet) };
}

/** Validation history of a run in any state: finished, trained, or interrupted (its checkpoint). */
async function historyOf(dir: string): Promise<EpochLog[]> {
  const rec =
    (await readJsonIfExists<{ history: EpochLog[] }>(join(dir, RESULT_FILE))) ??
    (await readJsonIfExists<{ history: EpochLog[] }>(join(dir, TRAINED_FILE))) ??
    (await readJsonIfExists<CheckpointState>(join(dir, 'checkpoint', 'state.json')));
  return rec?.history ?? [];
}

/**
 * `polypseg experiment table2`: the six settings of the original's Table 2 with one budget, the shared
 * pretraining run, one test evaluation per run, and table2.md / table2.csv / val-iou.svg in `out`.
 * Every step keeps its state in `out` (see run-state.ts), so a stopped experiment continues where it was.
 */
export async function runTable2(opts: Table2Options): Promise<Table2Result> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const budget = await readBudget(opts.budget);
  const out = opts.out;
  await mkdir(join(out, 'runs'), { recursive: true });
  const expFile = join(out, 'experiment.json');
  const prev = await readJsonIfExists<ExperimentRecord>(expFile);
  if (
    prev &&
    (JSON.stringify(prev.budget) !== JSON.stringify(budget) || prev.limit !== (opts.limit ?? null))
  ) {
    throw new PolypsegError(
      `${out} holds a table2 experiment with another budget or --limit (budget '${prev.budget.name}', ` +
        `limit ${prev.limit ?? 'none'}); continue it with those or choose another --out`,
      'EXPERIMENT_MISMATCH',
    );
  }
  const dataDir = opts.data ?? prev?.dataDir ?? DEFAULT_DATA_DIR;
  if (!datasetAvailable(dataDir))
    throw new PolypsegError(
      `no dataset at ${dataDir} (expected images/ and masks/); pass --data DIR`,
      'DATA_MISSING',
    );
  const allTest = await readSplit(resolveSplitPath({ dir: dataDir, split: budget.splits.test }));
  const testIds = opts.limit ? allTest.slice(0, opts.limit) : allTest;
  await initEngine({ threads: opts.threads });

  const experiment: ExperimentRecord = prev
    ? { ...prev, dataDir }
    : {
        budget,
        dataDir,
        limit: opts.limit ?? null,
        testImages: testIds.length,
        parameters: countParameters(budget),
        command: opts.command ?? `polypseg experiment table2 --budget ${budget.name} --out ${out}`,
        sessions: [],
      };
  const t0 = performance.now();
  const session: ExperimentRecord['sessions'][number] = {
    startedAt: new Date().toISOString(),
    host: hostname(),
  };
  experiment.sessions.push(session);
  const saveExperiment = () => {
    session.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    session.endedAt = new Date().toISOString();
    return writeJson(expFile, experiment);
  };
  await saveExperiment();

  const data: DataChoice = { dir: dataDir, limit: opts.limit, threads: opts.threads };
  const encoderDir = join(out, 'pretrain');
  const runDir = (s: Setting) => join(out, 'runs', s.key);
  const files = {
    markdown: join(out, 'table2.md'),
    csv: join(out, 'table2.csv'),
    svg: join(out, 'val-iou.svg'),
  };
  const writeReport = async () => {
    const runs: Table2Report['runs'] = {};
    const histories: Record<string, EpochLog[]> = {};
    for (const s of SETTINGS) {
      runs[s.key] = await readJsonIfExists<RunRecord>(join(runDir(s), RESULT_FILE));
      histories[s.key] = await historyOf(runDir(s));
    }
    const report: Table2Report = {
      experiment,
      pretrain: await readJsonIfExists<PretrainRecord>(join(encoderDir, RESULT_FILE)),
      runs,
    };
    await saveExperiment();
    await writeFile(files.markdown, table2Markdown(report));
    await writeFile(files.csv, table2Csv(report));
    await writeFile(files.svg, valIouSvg(histories, budget.name));
  };

  /** the shared pretraining; false when interrupted */
  const pretrainStep = async (tag: string): Promise<boolean> => {
    const status = stepStatus(encoderDir);
    if (status === 'done') return true;
    const say = (l: string) => log(`${tag} ${l}`);
    say(`encoder pretraining (${budget.pretrain.task})${status === 'resume' ? ', resuming' : ''}`);
    if (status === 'fresh') await rm(encoderDir, { recursive: true, force: true });
    const r = await runPretraining({
      config: pretrainConfigFor(budget, data),
      out: encoderDir,
      resume: status === 'resume',
      log: say,
    });
    if (r.state.interrupted) return false;
    const record: PretrainRecord = {
      task: budget.pretrain.task,
      trainCrops: r.trainCrops,
      valCrops: r.valCrops,
      finalAccuracy: r.finalAccuracy,
      best: r.best,
      history: r.state.history,
      trainSeconds: trainSeconds(r.state.history),
    };
    await writeJson(join(encoderDir, RESULT_FILE), record);
    say(`pretext accuracy on ${r.valCrops} held-out crops: ${r.finalAccuracy?.toFixed(4) ?? '–'}`);
    return true;
  };

  /** one setting: train (or resume), then evaluate once on the test split; false when interrupted */
  const runStep = async (s: Setting, tag: string): Promise<'skipped' | 'ran' | 'interrupted'> => {
    const dir = runDir(s);
    const status = stepStatus(dir);
    const say = (l: string) => log(`${tag} ${l}`);
    if (status === 'done') {
      say(`${s.label}: finished earlier, skipped`);
      return 'skipped';
    }
    if (status !== 'trained') {
      say(`${s.label}: training ${budget.training.epochs} epochs${status === 'resume' ? ' (resuming)' : ''}`);
      if (status === 'fresh') await rm(dir, { recursive: true, force: true });
      const r = await runTraining({
        config: trainConfigFor(s, budget, data, s.pretrained ? encoderDir : undefined),
        out: dir,
        resume: status === 'resume',
        log: say,
        callbacks: opts.callbacks,
      });
      if (r.state.interrupted) return 'interrupted';
      const trained: TrainedRecord = {
        key: s.key,
        label: s.label,
        history: r.state.history,
        best: r.state.best,
        trainImages: r.trainIds.length,
        valImages: r.valIds.length,
        trainSeconds: trainSeconds(r.state.history),
      };
      await writeJson(join(dir, TRAINED_FILE), trained);
    }
    const trained = (await readJsonIfExists<TrainedRecord>(join(dir, TRAINED_FILE)))!;
    say(`${s.label}: test evaluation on ${testIds.length} images`);
    const segmenter = await createSegmenter(dir, { runtime: 'tfjs', threads: opts.threads });
    const bar = new ProgressBar(`${tag} test`, testIds.length);
    try {
      const ev = await evaluateDataset(segmenter, dataDir, testIds, { onProgress: (d) => bar.update(d) });
      const test = evaluationJson(ev);
      const record: RunRecord = {
        ...trained,
        test: {
          ...ev.summary.meanPerImage,
          images: test.images,
          threshold: test.threshold,
          pooled: test.pooled,
          toolbox: test.toolbox,
        },
        evalSeconds: ev.seconds,
      };
      await writeFile(join(dir, 'per-image.csv'), ev.csv);
      await writeJson(join(dir, RESULT_FILE), record);
      say(
        `${s.label}: test accuracy ${record.test.accuracy.toFixed(4)}, IoU ${record.test.iou.toFixed(4)}, ` +
          `Dice ${record.test.dice.toFixed(4)}`,
      );
    } finally {
      await segmenter.dispose();
    }
    await rm(join(dir, TRAINED_FILE), { force: true });
    if (!opts.keepModels) await pruneWeights(dir);
    return 'ran';
  };

  const ran: string[] = [];
  const skipped: string[] = [];
  let interrupted = false;
  for (const [i, s] of SETTINGS.entries()) {
    const tag = `[table2 ${i + 1}/${SETTINGS.length}]`;
    if (s.pretrained && !(await pretrainStep(tag))) {
      interrupted = true;
      break;
    }
    const outcome = await runStep(s, tag);
    await writeReport();
    if (outcome === 'interrupted') {
      interrupted = true;
      break;
    }
    (outcome === 'ran' ? ran : skipped).push(s.key);
  }
  const complete = !interrupted && SETTINGS.every((s) => stepStatus(runDir(s)) === 'done');
  // the encoder is needed until both pretrained runs are trained
  if (complete && !opts.keepModels) await pruneWeights(encoderDir);
  await writeReport();
  log(
    interrupted
      ? `[table2] stopped; run the same command again to continue (state in ${out})`
      : `[table2] ${complete ? 'done' : 'incomplete'}: ${files.markdown}, ${files.csv}, ${files.svg}`,
  );
  return { complete, interrupted, ran, skipped, files };
}
