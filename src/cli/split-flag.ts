import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PolypsegError } from '../errors.ts';

/** `--split`: a path as given, else a name looked up under `dataDir`/splits/ (with or without .txt). */
export function resolveSplit(dataDir: string, split: string): string {
  for (const p of [split, join(dataDir, 'splits', split), join(dataDir, 'splits', `${split}.txt`)])
    if (existsSync(p)) return p;
  throw new PolypsegError(
    `split '${split}' not found: neither a file nor a name under ${join(dataDir, 'splits')}/`,
    'SPLIT_MISSING',
  );
}
