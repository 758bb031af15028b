import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { makeModelDir } from '../segment/fixture-model.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('polypseg export writes DIR/model.onnx and records it in polypseg.json', async () => {
  const dir = await makeModelDir({ onnx: false });
  dirs.push(dir);
  assert.equal(await main(['export', '--model', dir, '--opset', '13']), 0);
  assert.ok(existsSync(join(dir, 'model.onnx')));
  const meta = JSON.parse(readFileSync(join(dir, 'polypseg.json'), 'utf8'));
  assert.deepEqual(meta.files, { tfjs: 'model.json', onnx: 'model.onnx' });
  assert.equal(meta.name, 'fixture', 'other fields untouched');
});

test('--out outside the model dir is written but not recorded; errors are clean exits', async () => {
  const dir = await makeModelDir({ onnx: false });
  const other = mkdtempSync(join(tmpdir(), 'polypseg-onnx-'));
  dirs.push(dir, other);
  assert.equal(await main(['export', '--model', dir, '--out', join(other, 'm.onnx'), '--layout', 'nchw']), 0);
  assert.ok(existsSync(join(other, 'm.onnx')));
  assert.equal(JSON.parse(readFileSync(join(dir, 'polypseg.json'), 'utf8')).files.onnx, undefined);
  assert.equal(await main(['export', '--model', join(other, 'nope')]), 1);
  assert.equal(await main(['export', '--model', dir, '--opset', '7']), 1);
  assert.equal(await main(['export', '--model', dir, '--layout', 'NWHC']), 2);
});
