import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentConfigSchema, parseAugmentConfig } from '../../src/augment/config.ts';
import { PolypsegError } from '../../src/errors.ts';

test('an absent or empty augment section gets every default', () => {
  const a = parseAugmentConfig(undefined);
  assert.deepEqual(a, parseAugmentConfig({}));
  assert.equal(a.enabled, true);
  assert.deepEqual(a.rotate, { p: 0.5, range: [-180, 180] });
  assert.equal(a.copyPaste.donorTries, 3);
  assert.ok(a.copyPaste.p > 0 && a.copyPaste.p < 1);
});

test('partial sections keep the defaults of the fields left out', () => {
  const a = parseAugmentConfig({ rotate: { p: 0.1 }, copyPaste: { p: 1, tries: 5 } });
  assert.deepEqual(a.rotate, { p: 0.1, range: [-180, 180] });
  assert.equal(a.copyPaste.tries, 5);
  assert.equal(a.copyPaste.featherFraction, augmentConfigSchema.parse({}).copyPaste.featherFraction);
  // parsing a parsed config is a no-op, so callers can pass either
  assert.deepEqual(parseAugmentConfig(a), a);
});

test('typos, bad probabilities and reversed ranges are clear PolypsegErrors', () => {
  for (const [raw, words] of [
    [{ rotaet: {} }, /rotaet/],
    [{ hflip: { p: 1.5 } }, /hflip\.p/],
    [{ zoom: { range: [1.2, 0.8] } }, /zoom\.range[\s\S]*min <= max|min <= max[\s\S]*zoom\.range/],
    [{ copyPaste: { tries: 0 } }, /copyPaste\.tries/],
  ] as const) {
    assert.throws(
      () => parseAugmentConfig(raw),
      (err: unknown) => err instanceof PolypsegError && words.test(err.message),
      JSON.stringify(raw),
    );
  }
});
