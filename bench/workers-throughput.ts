// npm run bench:workers [-- --clips N --seconds S --model DIR]
//
// The same batch of video clips through (a) the embedded queue (one `polypseg serve`, 1 video at a
// time) and (b) the Redis queue (`serve --workers 0` + 2 `polypseg worker` processes of 1 ORT thread
// each, on a private redis-server), measuring throughput as video-seconds processed per wall-second,
// from the first upload to the last job done. Prints a table; the last line is one JSON object.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exited, LISTENING, serveArgs, spawnCli, type CliProcess } from '../scripts/lib/cli-process.ts';
import { startRedisServer } from '../scripts/lib/redis-server.ts';
import { makeClip } from '../test/video/video-fixtures.ts';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
    model: { type: 'string', default: 'models/default' },
  },
});
const CLIPS = Number(values.clips);
const SECONDS = Number(values.seconds);
const FPS = 25;
const [WIDTH, HEIGHT] = [640, 480];

interface Run {
  name: string;
  wallS: number;
  videoSecondsPerS: number;
  load: [number, number];
}

async function waitDone(url: string, id: string): Promise<void> {
  for (;;) {
    const job = (await (await fetch(`${url}/api/videos/${id}`)).json()) as { status: string; error?: string };
    if (job.status === 'done') return;
    if (job.status !== 'queued' && job.status !== 'running')
      throw new Error(`job ${id} ${job.status}: ${job.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Uploads every clip at once to the API at `url` and waits for all; wall time from first upload to last done. */
async function runBatch(name: string, url: string, clip: Buffer): Promise<Run> {
  const load0 = os.loadavg()[0]!;
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: CLIPS }, async () => {
      const form = new FormData();
      form.append('video', new Blob([new Uint8Array(clip)]), 'clip.mp4');
      const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form });
      if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    }),
  );
  await Promise.all(ids.map((id) => waitDone(url, id)));
  const wallS = (performance.now() - t0) / 1000;
  return { name, wallS, videoSecondsPerS: (CLIPS * SECONDS) / wallS, load: [load0, os.loadavg()[0]!] };
}

async function stopAll(procs: CliProcess[]): Promise<void> {
  for (const p of procs) p.proc.kill('SIGTERM');
  await Promise.all(procs.map((p) => exited(p.proc)));
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(os.tmpdir(), 'polypseg-bench-workers-'));
  const clipPath = join(work, 'clip.mp4');
  makeClip(clipPath, { width: WIDTH, height: HEIGHT, fps: FPS, frames: SECONDS * FPS });
  const clip = await readFile(clipPath);
  const runs: Run[] = [];
  try {
    // (a) embedded: one process, one video at a time, ORT on all cores
    const embedded = await spawnCli(serveArgs(values.model!, join(work, 'a'), '--workers', '1'), LISTENING);
    runs.push(await runBatch('embedded, 1 video at a time', embedded.match[1]!, clip));
    await stopAll([embedded]);

    // (b) Redis: an API-only process and 2 worker processes with 1 ORT thread each
    const redis = await startRedisServer();
    try {
      const dataDir = join(work, 'b');
      const procs = await Promise.all([
        spawnCli(serveArgs(values.model!, dataDir, '--queue', redis.url, '--workers', '0'), LISTENING),
        ...[1, 2].map(() =>
          spawnCli(
            [
              'worker',
              '--queue',
              redis.url,
              '--data-dir',
              dataDir,
              '--model',
              values.model!,
              '--threads',
              '1',
            ],
            /taking video jobs from Redis/,
          ),
        ),
      ]);
      runs.push(await runBatch('Redis, 2 workers × 1 thread', procs[0]!.match[1]!, clip));
      await stopAll(procs);
    } finally {
      await redis.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const [a, b] = runs as [Run, Run];
  console.log(
    `${CLIPS} clips × ${SECONDS} s (${WIDTH}×${HEIGHT} @ ${FPS} fps, H.264), model ${values.model}, ${os.cpus().length} CPUs`,
  );
  console.log('| backend | wall s | video-s per wall-s | 1-min load avg (start → end) |');
  console.log('|---|---|---|---|');
  for (const r of runs)
    console.log(
      `| ${r.name} | ${r.wallS.toFixed(1)} | ${r.videoSecondsPerS.toFixed(2)} | ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} |`,
    );
  console.log(`ratio (Redis / embedded): ${(b.videoSecondsPerS / a.videoSecondsPerS).toFixed(2)}`);
  console.log(
    JSON.stringify({
      workers_clips: CLIPS,
      workers_clip_seconds: SECONDS,
      workers_embedded_video_s_per_s: +a.videoSecondsPerS.toFixed(3),
      workers_redis_2x1_video_s_per_s: +b.videoSecondsPerS.toFixed(3),
      workers_ratio: +(b.videoSecondsPerS / a.videoSecondsPerS).toFixed(3),
      workers_embedded_wall_s: +a.wallS.toFixed(1),
      workers_redis_wall_s: +b.wallS.toFixed(1),
      load_avg_1m: [a.load[0], b.load[1]].map((x) => +x.toFixed(2)),
    }),
  );
}

await main();
