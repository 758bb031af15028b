import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initEngine } from '../engine/index.ts';
import { checkRunDir } from './checkpoint.ts';

/**
 * The start of every resumable run (train, pretrain): checks the output directory against --resume,
 * creates it and brings up the engine. Returns the absolute output and checkpoint directories.
 */
export async function openRun(
  outDir: string,
  resume: boolean,
  threads: number | undefined,
  log: (line: string) => void,
): Promise<{ out: string; ckptDir: string }> {
  const out = resolve(outDir);
  const ckptDir = join(out, 'checkpoint');
  checkRunDir(out, ckptDir, resume);
  await mkdir(out, { recursive: true });
  const engine = await initEngine({ threads });
  log(`engine: ${engine.backend}, ${engine.threads} thread(s)`);
  return { out, ckptDir };
}
