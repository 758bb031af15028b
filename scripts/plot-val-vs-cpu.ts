// Validation score against CPU-hours for training runs (quality per CPU-hour: where compute pays).
// usage: node --import tsx scripts/plot-val-vs-cpu.ts --out FILE.svg [--threads 2] LABEL=LOG.jsonl[@AFTER] ...
//   LOG.jsonl  a run's train-log.jsonl; @AFTER starts the run's curve where run AFTER ended (a fine-tune)
//   The score is `valMeanDice` (toolbox mean Dice) where logged, else `valDice` (older logs); CPU time is
//   `cpuSeconds` where logged, else wall `seconds` × --threads (older logs, a slight over-estimate).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { lineChartSvg, type Series } from '../src/plot/line-chart.ts';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string' }, threads: { type: 'string', default: '2' }, title: { type: 'string' } },
  allowPositionals: true,
});
if (!values.out || positionals.length === 0) {
  console.error('usage: plot-val-vs-cpu.ts --out FILE.svg LABEL=LOG.jsonl[@AFTER] ...');
  process.exit(2);
}
const threads = Number(values.threads);
const endHours = new Map<string, number>();
const series: Series[] = [];
for (const arg of positionals) {
  const m = /^([^=]+)=([^@]+)(?:@(.+))?$/.exec(arg);
  if (!m) throw new Error(`bad run '${arg}': expected LABEL=LOG.jsonl[@AFTER]`);
  const [, label, file, after] = m as unknown as [string, string, string, string | undefined];
  let hours = after ? (endHours.get(after) ?? NaN) : 0;
  if (Number.isNaN(hours)) throw new Error(`run '${label}' starts after unknown run '${after}'`);
  const points: [number, number][] = [];
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const e = JSON.parse(line);
    hours += (e.cpuSeconds ?? e.seconds * threads) / 3600;
    const score = e.valMeanDice ?? e.valDice;
    if (typeof score === 'number') points.push([hours, score]);
  }
  endHours.set(label, hours);
  series.push({ name: label, points });
  const best = Math.max(...points.map((p) => p[1]));
  console.log(
    `${label}: ${points.length} epochs, ${hours.toFixed(2)} CPU-h at the end, best ${best.toFixed(4)}`,
  );
}
writeFileSync(
  values.out,
  lineChartSvg(series, {
    title: values.title ?? 'Validation score vs CPU-hours',
    xLabel: 'CPU-hours (cumulative)',
    yLabel: 'validation mean Dice (Dice for older logs)',
  }),
);
