// Regression tests for the defects hostile-client testing found (issue 12), one test per defect.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { createSegmenter } from '../../src/segment/index.ts';
import type { Segmenter } from '../../src/segment/types.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { makeClip } from '../video/video-fixtures.ts';
import {
  blackPng,
  multipartBody,
  picture,
  rawPost,
  rawRequest,
  startServer,
  upload,
  type TestServer,
} from './helpers.ts';

let modelDir: string;
let work: string;
let clip: Buffer;
let server: TestServer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-hardening-'));
  makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 10, frames: 5 });
  clip = await readFile(join(work, 'clip.mp4'));
  server = await startServer(modelDir);
});
after(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
  await rm(modelDir, { recursive: true, force: true });
});

const errorLogs = (s: TestServer) => s.logs.filter((l) => /"level":50/.test(l));

/** A segmenter that holds every frame until released, so video jobs stay running as long as a test needs. */
async function heldSegmenter(): Promise<{
  segmenter: Segmenter;
  release: () => void;
  dispose: () => Promise<void>;
}> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const real = await createSegmenter(modelDir, { runtime: 'onnx' });
  return {
    release,
    dispose: () => real.dispose(),
    segmenter: {
      runtime: real.runtime,
      metadata: real.metadata,
      dispose: async () => undefined,
      segment: async (image, opts) => {
        await gate;
        return real.segment(image, opts);
      },
    },
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const jobState = async (url: string, id: string) =>
  (await (await fetch(`${url}/api/videos/${id}`)).json()) as {
    status: string;
    error?: string;
    progress: number;
  };

test('defect 1: large-image decoding runs on worker threads; /healthz answers fast during a bomb burst', async () => {
  // 16 megapixels of zeros: a 47 KB upload that decodes to 48 MB and post-processes at full size
  const bomb = blackPng(4000, 4000);
  const latencies: number[] = [];
  let uploading = true;
  // each answer is read at once: an unread body would be cut when the server closes the idle connection
  const uploads = Promise.all(
    Array.from({ length: 3 }, () =>
      upload(`${server.url}/api/segment?format=png`, 'image', bomb, 'b.png').then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }),
    ),
  ).finally(() => (uploading = false));
  while (uploading) {
    const t = performance.now();
    const health = await fetch(`${server.url}/healthz`);
    await health.arrayBuffer();
    latencies.push(performance.now() - t);
    assert.equal(health.status, 200);
    await new Promise((r) => setTimeout(r, 50));
  }
  const answers = await uploads;
  for (const status of answers) assert.ok([200, 503].includes(status), `status ${status}`);
  assert.ok(answers.includes(200));
  // p99, as the issue states it; before the fix single probes waited seconds behind each decode
  const p99 = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)]!;
  assert.ok(p99 < 1000, `/healthz p99 ${p99.toFixed(0)} ms over ${latencies.length} probes`);
});

test('defect 2: a refused video upload leaves no job behind', async () => {
  const held = await heldSegmenter();
  const s = await startServer(modelDir, { queueSize: 2 }, { segmenter: held.segmenter });
  try {
    const answers = await Promise.all(
      Array.from({ length: 16 }, () => upload(`${s.url}/api/videos`, 'video', clip, 'c.mp4')),
    );
    const accepted: string[] = [];
    for (const res of answers) {
      assert.ok([202, 503].includes(res.status), `status ${res.status}`);
      if (res.status === 202) accepted.push(((await res.json()) as { id: string }).id);
      else await res.body?.cancel();
    }
    assert.ok(accepted.length < answers.length, 'the burst filled the queue');
    // one running + two waiting; every other upload was refused and left nothing
    assert.equal(accepted.length, 3);
    assert.deepEqual((await readdir(join(s.dataDir, 'jobs'))).sort(), [...accepted].sort());
    const health = (await (await fetch(`${s.url}/healthz`)).json()) as {
      videos: { running: number; queued: number };
    };
    assert.equal(health.videos.running + health.videos.queued, accepted.length);
    held.release();
    for (const id of accepted)
      await waitFor('job done', async () =>
        (await jobState(s.url, id)).status === 'done' ? true : undefined,
      );
    assert.deepEqual(await readdir(join(s.dataDir, 'tmp')), []);
  } finally {
    held.release();
    await s.close();
    await held.dispose();
  }
});

/** Rewrites the Segment Duration (EBML 0x4489, an 8-byte float in milliseconds) of a Matroska file. */
function claimDuration(mkv: Buffer, ms: number): Buffer {
  const out = Buffer.from(mkv);
  const at = out.indexOf(Buffer.from([0x44, 0x89, 0x88]));
  assert.ok(at > 0, 'no 8-byte Duration element');
  out.writeDoubleBE(ms, at + 3);
  return out;
}

test('defect 3: the duration limit counts the frames, not the container header', async () => {
  const s = await startServer(modelDir, { limits: { videoSeconds: 1 } });
  try {
    const path = join(work, 'liar.mkv');
    makeClip(path, { width: 64, height: 48, fps: 12, frames: 36 });
    const liar = claimDuration(await readFile(path), 500);
    const res = await upload(`${s.url}/api/videos`, 'video', liar, 'liar.mkv');
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'video_too_long');
    assert.match(body.error.message, /3 s long; the limit is 1 s/);
    assert.deepEqual(await readdir(join(s.dataDir, 'jobs')), []);
  } finally {
    await s.close();
  }
});

test('defect 4: malformed multipart is a 400 on both upload routes, never a 500 or an error log', async () => {
  const png = await picture(64, 48, 'png');
  for (const [route, field] of [
    ['/api/segment', 'image'],
    ['/api/videos', 'video'],
  ] as const) {
    const good = multipartBody('XYZ', [
      { name: field, filename: 'a', body: route.endsWith('videos') ? clip : png },
    ]);
    const cases: Array<[string, string, Buffer]> = [
      ['no boundary', 'multipart/form-data', good],
      ['mismatched boundary', 'multipart/form-data; boundary=ABC', good],
      ['over-long boundary', `multipart/form-data; boundary=${'x'.repeat(200)}`, good],
      ['truncated body', 'multipart/form-data; boundary=XYZ', good.subarray(0, good.length - 40)],
      [
        'no closing boundary',
        'multipart/form-data; boundary=XYZ',
        multipartBody('XYZ', [{ name: field, filename: 'a', body: png }], false),
      ],
    ];
    for (const [what, type, body] of cases) {
      const res = await rawPost(server.url, route, type, body);
      assert.equal(res.status, 400, `${route} ${what}: ${res.status} ${res.body}`);
      assert.match(res.body, /"error":\{"code":"bad_(multipart|request)"/, `${route} ${what}`);
    }
  }
  assert.deepEqual(errorLogs(server), []);
  assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), []);
});

test('defect 5: a stalled upload is closed after the body timeout and its temp file deleted', async () => {
  const s = await startServer(modelDir, { limits: { bodyTimeoutSeconds: 1 } });
  const { hostname, port } = new URL(s.url);
  // the third is refused before its body is read (415): its connection must not wait for the body either
  for (const [route, field, type] of [
    ['/api/videos', 'video', 'multipart/form-data; boundary=XYZ'],
    ['/api/segment', 'image', 'multipart/form-data; boundary=XYZ'],
    ['/api/segment', 'image', 'text/plain'],
  ] as const) {
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      // read (and drop) the answer: a paused socket never sees the server's FIN, so 'close' would not fire
      socket.resume();
      socket.on('close', () => resolve(Date.now() - started));
      // without a body timeout the server would wait forever; give up (and fail) after 10 s
      socket.setTimeout(10_000, () => socket.destroy());
      const part = multipartBody(
        'XYZ',
        [{ name: field, filename: 'a', body: clip.subarray(0, 2000) }],
        false,
      );
      socket.write(
        `POST ${route} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: ${type}\r\nContent-Length: 1000000\r\n\r\n`,
      );
      socket.write(part);
      // ...and then nothing more
    });
    const early = type === 'text/plain';
    assert.ok((early || closed >= 900) && closed < 5000, `${route} ${type}: closed after ${closed} ms`);
  }
  await waitFor('temp files deleted', async () =>
    (await readdir(join(s.dataDir, 'tmp'))).length === 0 ? true : undefined,
  );
  assert.ok(s.logs.some((l) => l.includes('request body stalled')));
  await s.close();
});

test('defect 6: failure reasons name the cause without server paths; an unusable data directory is one line', async () => {
  const held = await heldSegmenter();
  const s = await startServer(modelDir, {}, { segmenter: held.segmenter });
  try {
    const res = await upload(`${s.url}/api/videos`, 'video', clip, 'c.mp4');
    const { id } = (await res.json()) as { id: string };
    await waitFor('running', async () =>
      (await jobState(s.url, id)).status === 'running' ? true : undefined,
    );
    // the result cannot be written: a directory occupies its name
    await mkdir(join(s.dataDir, 'jobs', id, 'result.mp4', 'blocker'), { recursive: true });
    held.release();
    const job = await waitFor('failed', async () => {
      const j = await jobState(s.url, id);
      return j.status === 'failed' || j.status === 'done' ? j : undefined;
    });
    assert.equal(job.status, 'failed');
    assert.equal(job.error, 'could not write the result (a storage error on the server)');
    assert.ok(
      s.logs.some((l) => /video job failed/.test(l) && /rename/.test(l)),
      'details go to the log',
    );
  } finally {
    held.release();
    await s.close();
    await held.dispose();
  }

  const file = join(work, 'not-a-dir');
  await writeFile(file, 'x');
  const r = spawnSync(
    process.execPath,
    [
      'bin/polypseg.js',
      'serve',
      '--port',
      '0',
      '--no-build',
      '--model',
      modelDir,
      '--data-dir',
      join(file, 'data'),
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0]!,
    /^polypseg serve: cannot use the data directory .*not-a-dir\/data: a part of the path is a file/,
  );
});

test('defect 7: partial files and job folders left by a crash are cleaned up at start', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-leftovers-'));
  try {
    // a first run records a job; then the state a SIGKILL mid-job leaves is laid down by hand
    const first = await startServer(modelDir, { dataDir });
    const { id } = (await (await upload(`${first.url}/api/videos`, 'video', clip, 'c.mp4')).json()) as {
      id: string;
    };
    await waitFor('done', async () => ((await jobState(first.url, id)).status === 'done' ? true : undefined));
    await first.close();
    const orphan = randomUUID();
    await mkdir(join(dataDir, 'jobs', orphan));
    await writeFile(join(dataDir, 'jobs', orphan, 'input.mp4'), clip);
    const { JobStore } = await import('../../src/server/job-store.ts');
    const store = new JobStore(dataDir);
    const crashed = randomUUID();
    await mkdir(store.jobDir(crashed));
    await writeFile(store.inputPath({ id: crashed, inputType: 'mp4' }), clip);
    await writeFile(join(store.jobDir(crashed), 'result.partial.mp4.tmp-4242-1700000000000'), 'half a video');
    store.insert({ id: crashed, inputType: 'mp4' });
    store.update(crashed, { status: 'running', attempts: 1, startedAt: Date.now() });
    store.close();

    const second = await startServer(modelDir, { dataDir });
    try {
      assert.ok(!existsSync(join(dataDir, 'jobs', orphan)), 'a folder without a job is removed');
      await waitFor('resumed job done', async () =>
        (await jobState(second.url, crashed)).status === 'done' ? true : undefined,
      );
      assert.deepEqual((await readdir(join(dataDir, 'jobs', crashed))).sort(), ['frames.json', 'result.mp4']);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('defect 7: failed jobs expire with their folders like finished ones', async () => {
  const s = await startServer(modelDir, { retentionHours: 1 / 3600 });
  try {
    const corrupt = Buffer.concat([clip.subarray(0, 32), Buffer.alloc(5000, 0x5a)]);
    const { id } = (await (await upload(`${s.url}/api/videos`, 'video', corrupt, 'c.mp4')).json()) as {
      id: string;
    };
    await waitFor('gone', async () =>
      (await fetch(`${s.url}/api/videos/${id}`)).status === 404 ? true : undefined,
    );
    assert.ok(!existsSync(join(s.dataDir, 'jobs', id)));
  } finally {
    await s.close();
  }
});

test('defect 8: extra parts, huge part headers and file names, bad query values and SSE floods are refused', async () => {
  const png = await picture(64, 48, 'png');
  const type = 'multipart/form-data; boundary=XYZ';
  const bad = async (route: string, body: Buffer, pattern: RegExp, query = '') => {
    const res = await rawPost(server.url, route + query, type, body);
    assert.equal(res.status, 400, `${route}${query}: ${res.status} ${res.body}`);
    assert.match(res.body, pattern);
  };
  await bad(
    '/api/segment',
    multipartBody('XYZ', [
      { name: 'image', filename: 'a', body: png },
      { name: 'image', filename: 'b', body: png },
    ]),
    /field 'image'/,
  );
  await bad(
    '/api/segment',
    multipartBody('XYZ', [
      { name: 'image', filename: 'a', body: png },
      { name: 'note', body: 'hi' },
    ]),
    /field 'image'/,
  );
  await bad(
    '/api/videos',
    multipartBody('XYZ', [
      { name: 'video', filename: 'a', body: clip },
      { name: 'video', filename: 'b', body: clip },
    ]),
    /field 'video'/,
  );
  await bad(
    '/api/segment',
    multipartBody('XYZ', [
      { name: 'image', filename: 'a', body: png, headers: `X-Pad: ${'a'.repeat(200_000)}\r\n` },
    ]),
    /part headers/,
  );
  await bad(
    '/api/segment',
    multipartBody('XYZ', [{ name: 'image', filename: 'f'.repeat(1_000_000), body: png }]),
    /file name is longer/,
  );
  const one = multipartBody('XYZ', [{ name: 'image', filename: 'a', body: png }]);
  for (const query of ['?minArea=1e400', '?threshold[]=1', '?threshold=2', '?colour=red', '?tta=maybe'])
    await bad('/api/segment', one, /"code":"bad_request"/, query);
  assert.equal((await rawPost(server.url, '/api/segment?minArea=10&threshold=0.4', type, one)).status, 200);
  assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), []);

  // progress streams: 3 per job here (eventStreamsPerJob), the next one is refused
  const held = await heldSegmenter();
  const s = await startServer(modelDir, { limits: { eventStreamsPerJob: 3 } }, { segmenter: held.segmenter });
  const streams: AbortController[] = [];
  try {
    const { id } = (await (await upload(`${s.url}/api/videos`, 'video', clip, 'c.mp4')).json()) as {
      id: string;
    };
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      streams.push(abort);
      assert.equal((await fetch(`${s.url}/api/videos/${id}/events`, { signal: abort.signal })).status, 200);
    }
    const refused = await fetch(`${s.url}/api/videos/${id}/events`);
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'too_many_requests');
    // closing one frees its place
    streams.shift()!.abort();
    await waitFor('a free stream', async () => {
      const res = await fetch(`${s.url}/api/videos/${id}/events`, {
        signal: AbortSignal.timeout(2000),
      }).catch(() => null);
      if (res?.status === 200) {
        await res.body?.cancel();
        return true;
      }
      await res?.body?.cancel();
      return undefined;
    });
  } finally {
    for (const a of streams) a.abort();
    held.release();
    await s.close();
    await held.dispose();
  }
});

/** This process's resident memory now and its peak since resetPeakRss() (Linux), in bytes. */
const rss = (field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
const resetPeakRss = () => writeFileSync('/proc/self/clear_refs', '5');
const canMeasurePeak = (() => {
  try {
    resetPeakRss();
    return rss('VmHWM') > 0;
  } catch {
    return false;
  }
})();

test(
  'defect 9: two parallel maximum-size images cost one image at a few bytes per pixel, not two at ~12',
  { skip: !canMeasurePeak && 'needs /proc/self/clear_refs (Linux) to measure the peak' },
  async (t) => {
    // 12 MP is the limit here, so the pixel budget (the limit) lets one of these images run at a time.
    // threshold=0 makes every pixel polyp: one frame-sized region, outline and fill drawn everywhere,
    // the worst case of post-processing. The upload itself is ~40 KB of deflated zeros.
    const [w, h] = [4000, 3000];
    const pixels = w * h;
    const own = await startServer(modelDir, { limits: { imagePixels: pixels, imageConcurrency: 2 } });
    try {
      const small = await upload(`${own.url}/api/segment`, 'image', await picture(64, 48, 'png'), 's.png');
      assert.equal(small.status, 200); // both workers up, the model loaded
      await small.arrayBuffer();
      const bomb = blackPng(w, h);
      const segment = async () => {
        const res = await upload(`${own.url}/api/segment?format=overlay&threshold=0`, 'image', bomb, 'b.png');
        return { status: res.status, png: Buffer.from(await res.arrayBuffer()) };
      };
      // one image first: the allocator keeps some freed memory for reuse, measured as "idle" below
      assert.equal((await segment()).status, 200);
      const before = rss('VmRSS');
      resetPeakRss();
      const answers = await Promise.all([segment(), segment()]);
      const perPixel = (rss('VmHWM') - before) / pixels;
      t.diagnostic(`peak ${perPixel.toFixed(2)} bytes per pixel above the idle server`);
      for (const a of answers) assert.equal(a.status, 200);
      const meta = await sharp(answers[0]!.png).metadata();
      assert.deepEqual([meta.width, meta.height], [w, h]);
      // Before: ~16 bytes per pixel per image (float probabilities, int32 labels, mask, a copy of the
      // RGB image, erosion arrays), both images at once: 33 here. Without the pixel budget, both at
      // ~5: 10.5-11.5. Now the RGB image, the mask and the outline of one image at a time: 3.5-7.
      assert.ok(perPixel < 9, `peak ${perPixel.toFixed(1)} bytes per pixel above the idle server`);
    } finally {
      await own.close();
    }
  },
);

test('raw requests: an HTTP request that is not multipart gets 415, not a hang', async () => {
  const res = await rawRequest(
    server.url,
    `POST /api/segment HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`,
  );
  assert.equal(res.status, 415);
});
