import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { JobStore, type Job } from '../../src/server/job-store.ts';
import { JobQueue, type JobProcessor } from '../../src/server/job-queue.ts';
import { HttpError } from '../../src/server/http-error.ts';

const logger = pino({ level: 'silent' });
const tempDir = () => mkdtemp(join(tmpdir(), 'polypseg-jobs-'));

function waitFor(queue: JobQueue, id: string, status: Job['status']): Promise<Job> {
  return new Promise((resolve) => {
    const on = (job: Job) => {
      if (job.id === id && job.status === status) {
        queue.off('update', on);
        resolve(job);
      }
    };
    queue.on('update', on);
  });
}

test('store: rows and files survive reopening; stray temp uploads are cleaned', async () => {
  const dir = await tempDir();
  let store = new JobStore(dir);
  store.insert({ id: 'a', inputType: 'mp4', createdAt: 1 });
  mkdirSync(store.jobDir('a'));
  await writeFile(store.resultPath('a'), 'x');
  store.update('a', { status: 'done', progress: 1, fps: 25, frames: 50, finishedAt: 2 });
  await writeFile(join(store.tmpDir, 'half-upload'), 'x');
  store.close();

  store = new JobStore(dir);
  const a = store.get('a')!;
  assert.deepEqual([a.status, a.fps, a.frames, a.inputType], ['done', 25, 50, 'mp4']);
  assert.ok(existsSync(store.resultPath('a')));
  assert.deepEqual(await readdir(store.tmpDir), []);
  assert.deepEqual(
    store.finishedBefore(3).map((j) => j.id),
    ['a'],
  );
  assert.deepEqual(store.finishedBefore(2), []);
  store.delete('a');
  assert.equal(store.get('a'), undefined);
  assert.ok(!existsSync(store.jobDir('a')));
  store.close();
  await rm(dir, { recursive: true });
});

test('store: interrupted running jobs are re-queued, or failed with a reason after too many attempts', async () => {
  const dir = await tempDir();
  const store = new JobStore(dir);
  store.insert({ id: 'once', inputType: 'mp4' });
  store.update('once', { status: 'running', attempts: 1, progress: 0.4 });
  store.insert({ id: 'often', inputType: 'mp4' });
  store.update('often', { status: 'running', attempts: 3 });
  assert.deepEqual(store.recoverInterrupted(3), { requeued: ['once'], failed: ['often'] });
  assert.deepEqual([store.get('once')!.status, store.get('once')!.progress], ['queued', 0]);
  assert.equal(store.get('often')!.status, 'failed');
  assert.match(store.get('often')!.error!, /stopped while processing/);
  store.close();
  await rm(dir, { recursive: true });
});

test('queue: bounded workers run in order, failures keep their message, a full queue answers 503', async () => {
  const dir = await tempDir();
  const store = new JobStore(dir);
  const started: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const gates = new Map<string, () => void>();
  const processor: JobProcessor = async (job, { report }) => {
    started.push(job.id);
    maxConcurrent = Math.max(maxConcurrent, ++concurrent);
    report({ fps: 10, frames: 3 });
    report({ progress: 0.5 });
    await new Promise<void>((r) => gates.set(job.id, r));
    concurrent--;
    if (job.id === 'bad') throw new Error('the video stream could not be decoded');
    return { frames: 3 };
  };
  const queue = new JobQueue(store, processor, { workers: 1, queueSize: 2, logger });
  queue.start();
  const sawProgress = new Promise<Job>((resolve) =>
    queue.on('update', (j) => j.id === 'j1' && j.progress === 0.5 && resolve(j)),
  );
  for (const id of ['j1', 'bad', 'j3']) {
    store.insert({ id, inputType: 'mp4' });
    queue.submit(id);
  }
  // one running + two waiting = full
  store.insert({ id: 'j4', inputType: 'mp4' });
  assert.throws(
    () => queue.submit('j4'),
    (e: HttpError) => e.statusCode === 503 && Number(e.headers['retry-after']) > 0,
  );
  await sawProgress;
  for (const id of ['j1', 'bad', 'j3']) {
    while (!gates.has(id)) await new Promise((r) => setTimeout(r, 5));
    const finished = waitFor(queue, id, id === 'bad' ? 'failed' : 'done');
    gates.get(id)!();
    await finished;
  }
  assert.deepEqual(started, ['j1', 'bad', 'j3']);
  assert.equal(maxConcurrent, 1);
  assert.equal(store.get('bad')!.error, 'the video stream could not be decoded');
  assert.deepEqual(
    [store.get('j1')!.status, store.get('j1')!.progress, store.get('j1')!.fps],
    ['done', 1, 10],
  );
  await queue.close();
  store.close();
  await rm(dir, { recursive: true });
});

test('queue: cancel aborts a running job; close re-queues it for the next start', async () => {
  const dir = await tempDir();
  const store = new JobStore(dir);
  const processor: JobProcessor = (_job, { signal }) =>
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  let queue = new JobQueue(store, processor, { workers: 1, queueSize: 4, logger });
  queue.start();
  store.insert({ id: 'c', inputType: 'mp4' });
  const running = waitFor(queue, 'c', 'running');
  queue.submit('c');
  await running;
  await queue.cancel('c');
  assert.equal(store.get('c')!.status, 'cancelled');

  store.insert({ id: 'r', inputType: 'mp4' });
  const runningR = waitFor(queue, 'r', 'running');
  queue.submit('r');
  await runningR;
  await queue.close();
  assert.equal(store.get('r')!.status, 'queued');

  // the next process picks it up and finishes it
  queue = new JobQueue(store, async () => ({ frames: 1 }), { workers: 1, queueSize: 4, logger });
  const done = waitFor(queue, 'r', 'done');
  queue.start();
  assert.equal((await done).attempts, 2);
  await queue.close();
  store.close();
  await rm(dir, { recursive: true });
});
