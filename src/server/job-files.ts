import { join, resolve } from 'node:path';
import type { Job } from './job-store.ts';

/**
 * Where a video job's files live: `<dataDir>/jobs/<id>/` (input, result, per-frame JSON) and uploads
 * in progress under `tmpDir`. Pure paths, shared by the embedded store, the Redis queue's API side and
 * `polypseg worker` processes, which all see the same data directory (a network volume when they run
 * on several machines).
 */
export class JobFiles {
  readonly dataDir: string;
  readonly tmpDir: string;

  /** `tmpName`: the uploads folder under dataDir (one per API process when several share the dir) */
  constructor(dataDir: string, tmpName = 'tmp') {
    this.dataDir = resolve(dataDir);
    this.tmpDir = join(this.dataDir, tmpName);
  }

  jobDir(id: string): string {
    return join(this.dataDir, 'jobs', id);
  }
  inputPath(job: Pick<Job, 'id' | 'inputType'>): string {
    return join(this.jobDir(job.id), `input.${job.inputType}`);
  }
  resultPath(id: string): string {
    return join(this.jobDir(id), 'result.mp4');
  }
  framesPath(id: string): string {
    return join(this.jobDir(id), 'frames.json');
  }
}
