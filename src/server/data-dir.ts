import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PolypsegError } from '../errors.ts';
import { JobStore } from './job-store.ts';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file',
  ENOSPC: 'no space left on the device',
};

/**
 * The one line for the operator (who chose the path, so naming it is fine) when a data directory
 * cannot be used, instead of a stack trace; the same for the server (either queue backend) and
 * `polypseg worker`.
 */
function dataDirError(dataDir: string, err: unknown): PolypsegError {
  const code = (err as { code?: string }).code ?? '';
  const reason = REASONS[code] ?? (err as Error).message;
  return new PolypsegError(
    `cannot use the data directory ${dataDir}: ${reason} (choose another with --data-dir or POLYPSEG_DATA_DIR; the API and all workers must share it)`,
    'DATA_DIR',
    { cause: err },
  );
}

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
    throw dataDirError(dataDir, err);
  }
}

/** Opens the embedded backend's job store, an unusable data directory being one line. */
export function openJobStore(dataDir: string): JobStore {
  try {
    return new JobStore(dataDir);
  } catch (err) {
    throw dataDirError(dataDir, err);
  }
}

/**
 * Deletes job folders whose job row is gone (a crash between storing an upload and recording its
 * job), which would otherwise never expire. Only at start-up of the embedded backend: a running
 * server creates a job's folder a moment before its row. Returns how many were removed.
 */
export function removeOrphanJobDirs(store: JobStore): number {
  let names: string[];
  try {
    names = readdirSync(join(store.dataDir, 'jobs'));
  } catch {
    return 0;
  }
  const orphans = names.filter((id) => !id.startsWith('.') && !store.get(id));
  for (const id of orphans) rmSync(store.jobDir(id), { recursive: true, force: true });
  return orphans.length;
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
