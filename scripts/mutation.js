#!/usr/bin/env node
// npm run test:mutation [-- --mutate src/server/access.ts ...] [--concurrency N]
// Mutation testing of the modules that guard input or access (issue 25): one StrykerJS run per module
// (stryker.config.mjs, each module against only the test files that exercise it), then a table of
// killed / timeout / survived / no-coverage and the score, and as the last line JSON {"<file>": score}.
// Survivors are listed under the table (file:line, mutator, replacement); equivalent ones are explained
// in docs/testing.md. Not part of .ci/run: it takes minutes per module.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { GUARDED_MODULES } from '../stryker.config.mjs';

const args = process.argv.slice(2);
const mutate = [];
let concurrency = process.env.POLYPSEG_MUTATION_CONCURRENCY ?? '2';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mutate' && args[i + 1]) mutate.push(args[++i]);
  else if (args[i] === '--concurrency' && args[i + 1]) concurrency = args[++i];
  else {
    console.error(`usage: npm run test:mutation -- [--mutate FILE]... [--concurrency N]
guarded modules: ${Object.keys(GUARDED_MODULES).join(', ')}`);
    process.exit(2);
  }
}
const files = mutate.length > 0 ? mutate : Object.keys(GUARDED_MODULES);
for (const f of files)
  if (!GUARDED_MODULES[f]) {
    console.error(`${f} is not a guarded module (see GUARDED_MODULES in stryker.config.mjs)`);
    process.exit(2);
  }

const reportPath = (file) => `reports/mutation/${file.replace(/^src\//, '').replace(/[/.]/g, '-')}.json`;
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Counts per status and the score (detected / valid mutants, compile and runtime errors excluded). */
function summarise(file) {
  const report = JSON.parse(readFileSync(reportPath(file), 'utf8'));
  const mutants = Object.values(report.files).flatMap((f) => f.mutants);
  const count = (s) => mutants.filter((m) => m.status === s).length;
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status));
  const valid = detected + undetected.length;
  return {
    mutants: mutants.length,
    killed: count('Killed'),
    timeout: count('Timeout'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    errors: count('CompileError') + count('RuntimeError'),
    score: valid === 0 ? 100 : Math.round((detected / valid) * 1000) / 10,
    survivors: undetected
      .map((m) => ({
        line: m.location.start.line,
        what: `${m.mutatorName}: ${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 90)}`,
        status: m.status,
      }))
      .sort((a, b) => a.line - b.line),
  };
}

const started = Date.now();
const rows = [];
for (const file of files) {
  const t0 = Date.now();
  console.error(`\n== ${file} (tests: ${GUARDED_MODULES[file].join(', ')}; load ${loadavg()[0].toFixed(2)})`);
  const run = spawnSync(
    process.execPath,
    ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, POLYPSEG_MUTATE: file, POLYPSEG_MUTATION_CONCURRENCY: concurrency },
    },
  );
  if (run.status !== 0) {
    console.error(`stryker failed on ${file} (exit ${run.status})`);
    process.exit(1);
  }
  rows.push({ file, minutes: (Date.now() - t0) / 60_000, ...summarise(file) });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(
  `\nmutation score, ${new Date().toISOString().slice(0, 10)}, concurrency ${concurrency} on ${cpus().length} cores, ` +
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${((Date.now() - started) / 60_000).toFixed(1)} min\n`,
);
console.log('| module | mutants | killed | timeout | survived | no coverage | errors | score | minutes |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| \`${r.file}\` | ${r.mutants} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.errors} | ${r.score.toFixed(1)} % | ${r.minutes.toFixed(1)} |`,
  );
for (const r of rows) {
  if (r.survivors.length === 0) continue;
  console.log(`\nundetected in ${r.file}:`);
  for (const s of r.survivors)
    console.log(`  ${pad(`${r.file}:${s.line}`, 30)} ${pad(s.status, 10)} ${s.what}`);
}
console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.file, r.score]))));
