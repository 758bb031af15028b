import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PolypsegError } from '../errors.ts';

/**
 * Creates the data directory's `jobs/` folder and writes and deletes a probe file in it, so that a
 * process that could not store uploads or results stops at start-up with one clear line instead of
 * failing every job later.
 */
export async function assertWritableDataDir(dataDir: string): Promise<void> {
  const jobs = join(resolve(dataDir), 'jobs');
  const probe = join(jobs, `.write-test-${randomUUID()}`);
  try {
    await mkdir(jobs, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PolypsegError(
      `cannot write to the data directory ${dataDir} (${reason}); it must be writable by this process (and shared by the API and all workers)`,
      'DATA_DIR_UNWRITABLE',
    );
  }
}

/** Upload folders of API processes sharing a data directory: `tmp/api-<id>`, one per process. */
const API_TMP = /^api-[0-9a-f-]{36}$/;
const STALE_MS = 24 * 3600_000;

/**
 * A fresh upload folder name for this API process. Several API processes may share the data
 * directory, so none may wipe `tmp/` at start as the embedded server does; instead, folders untouched
 * for a day (left by a process that died mid-upload) are removed.
 */
export async function apiTmpName(dataDir: string): Promise<string> {
  const tmp = join(resolve(dataDir), 'tmp');
  await mkdir(tmp, { recursive: true });
  for (const name of await readdir(tmp)) {
    if (!API_TMP.test(name)) continue;
    const info = await stat(join(tmp, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > STALE_MS)
      await rm(join(tmp, name), { recursive: true, force: true });
  }
  const name = join('tmp', `api-${randomUUID()}`);
  await mkdir(join(resolve(dataDir), name), { recursive: true });
  return name;
}
