import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
 * Opens the job store, turning a data directory the server cannot use into one line for the
 * operator (who chose the path, so naming it is fine) instead of a stack trace.
 */
export function openJobStore(dataDir: string): JobStore {
  try {
    return new JobStore(dataDir);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const reason = REASONS[code] ?? (err as Error).message;
    throw new PolypsegError(
      `cannot use the data directory ${dataDir}: ${reason} (choose another with --data-dir or POLYPSEG_DATA_DIR)`,
      'DATA_DIR',
      { cause: err },
    );
  }
}

/**
 * Deletes job folders whose job row is gone (a crash between storing an upload and recording its
 * job), which would otherwise never expire. Only at start-up: a running server creates a job's
 * folder a moment before its row. Returns how many were removed.
 */
export function removeOrphanJobDirs(store: JobStore): number {
  let names: string[];
  try {
    names = readdirSync(join(store.dataDir, 'jobs'));
  } catch {
    return 0;
  }
  const orphans = names.filter((id) => !store.get(id));
  for (const id of orphans) rmSync(store.jobDir(id), { recursive: true, force: true });
  return orphans.length;
}
