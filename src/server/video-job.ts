import type { ServerConfig } from './config.ts';
import type { AppContext } from './context.ts';
import type { Job, JobPatch } from './job-store.ts';

export async function checkVideoLimits(
  _path: string,
  _limits: ServerConfig['limits'],
  _opts: { strict: boolean },
) {}

export async function processVideoJob(
  _job: Job,
  _ctx: AppContext,
  _run: { signal: AbortSignal; report: (patch: JobPatch) => void },
): Promise<JobPatch> {
  throw new Error('video processing is not available yet');
}
