// TF.js-free: image worker threads open a model folder without loading TF.js.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PolypsegError } from '../errors.ts';
import type { ModelFiles } from './files.ts';
import { modelMetadataSchema, type ModelMetadata } from './metadata.ts';

export const METADATA_FILE = 'polypseg.json';

/** Reads and validates polypseg.json; a clear error if the directory is not a polypseg model. */
export async function readMetadata(dir: string): Promise<ModelMetadata> {
  const path = join(dir, METADATA_FILE);
  if (!existsSync(path))
    throw new PolypsegError(`no model at ${dir}: ${METADATA_FILE} is missing`, 'MODEL_MISSING');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new PolypsegError(`${path} is not valid JSON: ${(err as Error).message}`, 'MODEL_CORRUPT');
  }
  const parsed = modelMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolypsegError(
      `${path} is not a valid polypseg model description: ${parsed.error.message}`,
      'MODEL_CORRUPT',
    );
  }
  return parsed.data;
}

/** A model folder as ModelFiles: polypseg.json validated now, the other files read on demand. */
export async function openModelDir(dir: string): Promise<ModelFiles> {
  const metadata = await readMetadata(dir);
  return {
    metadata,
    location: dir,
    async read(name) {
      const path = join(dir, name);
      try {
        return await readFile(path);
      } catch (err) {
        throw new PolypsegError(`cannot read ${path}: ${(err as Error).message}`, 'MODEL_MISSING', {
          cause: err,
        });
      }
    },
  };
}
