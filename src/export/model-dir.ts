import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PolypsegError } from '../errors.ts';
import { loadModel, METADATA_FILE } from '../models/io.ts';
import { assertSegmentationModel } from '../models/metadata.ts';
import { exportOnnx, type ExportOptions } from './export-onnx.ts';

export interface ExportDirResult {
  file: string;
  bytes: number;
  /** true when polypseg.json now names the file in files.onnx */
  recorded: boolean;
}

/**
 * Exports the TF.js model saved in `dir` to ONNX: `out` defaults to dir/model.onnx. When the file
 * lands inside `dir`, polypseg.json records it in files.onnx so every runtime finds it.
 */
export async function exportModelDir(
  dir: string,
  opts: ExportOptions & { out?: string } = {},
): Promise<ExportDirResult> {
  const { model, metadata } = await loadModel(dir);
  assertSegmentationModel(metadata, dir);
  const bytes = exportOnnx(model, opts);
  model.dispose();
  const file = resolve(opts.out ?? join(dir, 'model.onnx'));
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (err) {
    throw new PolypsegError(`cannot write ${file}: ${(err as Error).message}`, 'EXPORT_WRITE', {
      cause: err,
    });
  }
  // A file directly inside the model directory becomes the directory's ONNX model.
  const rel = relative(resolve(dir), file);
  const recorded = !rel.startsWith('..') && !rel.startsWith(sep) && dirname(rel) === '.';
  if (recorded && metadata.files.onnx !== rel) {
    const metaPath = join(dir, METADATA_FILE);
    // Edit the JSON as written (not the parsed defaults) so other fields stay untouched.
    const raw = JSON.parse(await readFile(metaPath, 'utf8'));
    raw.files = { ...(raw.files ?? { tfjs: metadata.files.tfjs }), onnx: rel };
    const tmpMeta = `${metaPath}.tmp-${process.pid}`;
    await writeFile(tmpMeta, JSON.stringify(raw, null, 2) + '\n');
    await rename(tmpMeta, metaPath);
  }
  return { file, bytes: bytes.length, recorded };
}
