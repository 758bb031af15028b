import assert from 'node:assert/strict';
import type { JobView } from '../../src/api/schemas.ts';
import { upload } from './helpers.ts';

/** A video job as GET /api/videos/:id and the SSE events show it: the API's own type. */
export type { JobView };

export { exited, LISTENING, serveArgs, spawnCli, type CliProcess } from '../../scripts/lib/cli-process.ts';

export const submit = async (url: string, bytes: Uint8Array, name = 'clip.mp4') =>
  upload(`${url}/api/videos`, 'video', bytes, name);

/** Reads the job's server-sent events until the stream ends; returns every job state received. */
export async function followEvents(url: string, id: string): Promise<JobView[]> {
  const res = await fetch(`${url}/api/videos/${id}/events`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/event-stream/);
  const seen: JobView[] = [];
  let text = '';
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const event = text.slice(0, end);
      text = text.slice(end + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '));
      if (event.includes('event: progress') && data) seen.push(JSON.parse(data.slice(6)) as JobView);
    }
  }
  return seen;
}

export async function waitForStatus(
  url: string,
  id: string,
  statuses: string[],
  timeoutMs = 60_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await (await fetch(`${url}/api/videos/${id}`)).json()) as JobView;
    if (statuses.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${job.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
