import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProgressBar } from '../progress.ts';
import { lineChartSvg } from '../plot/line-chart.ts';
import type { Callback, EpochLog, TrainState } from './callbacks.ts';

/** A per-epoch progress bar with loss, img/s and ETA, and a one-line epoch summary. */
export function progressCallback(
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Callback {
  let bar: ProgressBar | null = null;
  return {
    onEpochBegin(state) {
      bar = new ProgressBar(`epoch ${state.epoch + 1}/${state.epochs}`, 0);
    },
    onBatchEnd(_state, b) {
      bar!.setTotal(b.batches);
      bar!.update(
        b.batch + 1,
        `loss ${b.loss.toFixed(4)} · ${b.imagesPerSecond.toFixed(2)} img/s · lr ${b.lr.toExponential(2)}`,
      );
    },
    onEpochEnd(state, e) {
      const scores =
        e.valIou !== null
          ? ` IoU ${e.valIou.toFixed(4)} Dice ${e.valDice!.toFixed(4)}` +
            (e.valMeanDice !== undefined ? ` mDice ${e.valMeanDice.toFixed(4)}` : '') +
            Object.entries(e.valSources ?? {})
              .map(([name, v]) => ` [${name} mDice ${v.meanDice.toFixed(4)}]`)
              .join('')
          : e.valAccuracy !== undefined
            ? ` accuracy ${e.valAccuracy.toFixed(4)}`
            : '';
      const val = e.valLoss === null ? '' : ` · val loss ${e.valLoss.toFixed(4)}${scores}`;
      const best = state.best?.epoch === e.epoch ? ' (best)' : '';
      log(
        `epoch ${e.epoch + 1}/${state.epochs}: loss ${e.loss.toFixed(4)}${val}${best} · ${e.imagesPerSecond.toFixed(2)} img/s · ${e.seconds.toFixed(0)} s`,
      );
    },
    onTrainEnd(state) {
      if (state.interrupted)
        log(`stopped at epoch ${state.epoch + 1}, batch ${state.batch}; resume with --resume`);
    },
  };
}

/** Appends one JSON line per epoch to `file`. */
export function jsonlLogCallback(file: string): Callback {
  return { onEpochEnd: (_s, e) => appendFile(file, JSON.stringify(e) + '\n') };
}

export function learningCurveSvg(history: EpochLog[], title: string): string {
  const pts = (f: (e: EpochLog) => number | null) =>
    history.filter((e) => f(e) !== null).map((e) => [e.epoch + 1, f(e)!] as [number, number]);
  const series = [
    { name: 'train loss', points: pts((e) => e.loss) },
    { name: 'val loss', points: pts((e) => e.valLoss) },
    { name: 'val IoU', points: pts((e) => e.valIou) },
    { name: 'val Dice', points: pts((e) => e.valDice) },
    { name: 'val accuracy', points: pts((e) => e.valAccuracy ?? null) },
  ];
  return lineChartSvg(
    series.filter((s, i) => i < 2 || s.points.length > 0),
    { title, xLabel: 'epoch', yLabel: 'value' },
  );
}

/** Rewrites learning-curve.svg after each epoch. */
export function curveCallback(dir: string, title: string): Callback {
  return {
    onEpochEnd: (s: TrainState) =>
      writeFile(join(dir, 'learning-curve.svg'), learningCurveSvg(s.history, title)),
  };
}
