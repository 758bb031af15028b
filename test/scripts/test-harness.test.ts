import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { onCi, skipUnless } from '../helpers/prerequisite.ts';

test('run-tests.js fails when its filter matches no test file', () => {
  const r = spawnSync(process.execPath, ['scripts/run-tests.js', 'no-such-test-file-xyz'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no test file under test\/ matches 'no-such-test-file-xyz'/);
});

test('a missing prerequisite skips a test locally but is an error under CI=true', () => {
  const saved = process.env.CI;
  try {
    process.env.CI = '';
    assert.equal(onCi(), false);
    assert.equal(skipUnless(true, 'no Chromium'), false);
    assert.equal(skipUnless(false, 'no Chromium'), 'no Chromium');
    process.env.CI = 'true';
    assert.equal(onCi(), true);
    assert.equal(skipUnless(true, 'no Chromium'), false);
    assert.throws(
      () => skipUnless(false, 'no Chromium'),
      /no Chromium, and CI=true: CI must run these tests/,
    );
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});
