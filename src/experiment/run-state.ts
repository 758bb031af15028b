import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCheckpoint } from '../train/checkpoint.ts';

/**
 * The state of one step of an experiment, read from its directory, so an experiment can stop anywhere and
 * continue on another machine from committed files:
 * - result.json: finished (skipped on re-runs);
 * - trained.json: training finished, the evaluation still to do;
 * - checkpoint/: interrupted training, resumed from there;
 * - otherwise: start afresh (anything else in the directory is a leftover and is removed).
 */
export type StepStatus = 'done' | 'trained' | 'resume' | 'fresh';

export const RESULT_FILE = 'result.json';
export const TRAINED_FILE = 'trained.json';

export function stepStatus(dir: string): StepStatus {
  if (existsSync(join(dir, RESULT_FILE))) return 'done';
  if (existsSync(join(dir, TRAINED_FILE))) return 'trained';
  if (hasCheckpoint(join(dir, 'checkpoint'))) return 'resume';
  return 'fresh';
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  return existsSync(file) ? readJson<T>(file) : undefined;
}

/** temp + rename, so a killed process never leaves half a state file */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(value, null, 1) + '\n');
  await rename(`${file}.tmp`, file);
}

/** Deletes a finished step's weights (model.json, weights.bin); its logs, metadata and results stay. */
export async function pruneWeights(dir: string): Promise<void> {
  await Promise.all(['model.json', 'weights.bin'].map((f) => rm(join(dir, f), { force: true })));
}
