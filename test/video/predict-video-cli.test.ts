import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { probeVideo } from '../../src/video/index.ts';
import { makeModelDir } from '../segment/fixture-model.ts';
import { makeClip } from './video-fixtures.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('polypseg predict-video writes the MP4 and per-frame JSON', async () => {
  const model = await makeModelDir();
  const work = mkdtempSync(join(tmpdir(), 'polypseg-pv-'));
  dirs.push(model, work);
  makeClip(join(work, 'in.mp4'), { frames: 8, fps: 16, audio: true });
  const out = join(work, 'out.mp4');
  const json = join(work, 'frames.json');
  const code = await main([
    'predict-video',
    '--model',
    model,
    '--input',
    join(work, 'in.mp4'),
    '--out',
    out,
    '--json',
    json,
    '--color',
    '#FF00FF',
    '--opacity',
    '0.5',
    '--outline',
    '--no-audio',
  ]);
  assert.equal(code, 0);
  const info = await probeVideo(out);
  assert.deepEqual([info.frames, info.fps, info.width, info.height], [8, 16, 64, 48]);
  assert.equal(info.hasAudio, false, '--no-audio leaves the tone out');
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.frames.length, 8);
  assert.deepEqual(Object.keys(report.frames[0]).sort(), [
    'area',
    'count',
    'coverage',
    'frame',
    'polyps',
    'score',
    'time',
  ]);
  assert.equal(
    await main([
      'predict-video',
      '--model',
      model,
      '--input',
      join(work, 'in.mp4'),
      '--out',
      out,
      '--color',
      'purple',
    ]),
    1,
  );
  assert.equal(
    await main(['predict-video', '--model', model, '--input', join(work, 'none.mp4'), '--out', out]),
    1,
  );
});
