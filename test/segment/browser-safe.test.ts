import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// What the web app imports: these (and everything they import) must not need Node.
const ENTRY = [
  'src/segment/preprocess.ts',
  'src/segment/postprocess.ts',
  'src/segment/overlay.ts',
  'src/segment/segmenter-core.ts',
  'src/segment/onnx-web/index.ts',
];
const NODE_ONLY = /^(node:|fs$|path$|os$|child_process$|sharp$|onnxruntime-node$|@tensorflow\/tfjs)/;

test('browser-side segment modules import nothing Node-only (transitively)', () => {
  const seen = new Set<string>();
  const stack = ENTRY.map((f) => resolve(f));
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(
      /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm,
    )) {
      const spec = m[1] ?? m[2]!;
      if (/^import\s+type\s/.test(m[0].trim())) continue;
      assert.ok(!NODE_ONLY.test(spec), `${file} imports ${spec}`);
      if (spec.startsWith('.')) stack.push(join(dirname(file), spec));
    }
  }
  assert.ok(seen.size >= ENTRY.length);
});
