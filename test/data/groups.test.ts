import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { carveValidation } from '../../src/data/index.ts';
import { readGroups } from '../../src/data/groups.ts';

test('group tables: single IDs and numeric ranges; duplicates and bad lines are errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-groups-'));
  try {
    const file = join(dir, 'g.txt');
    await writeFile(file, '# frames by sequence\n1-3 seqA\n4-5 seqB   # trailing comment\nextra seqB\n');
    const g = await readGroups(file);
    assert.deepEqual(
      [...g],
      [
        ['1', 'seqA'],
        ['2', 'seqA'],
        ['3', 'seqA'],
        ['4', 'seqB'],
        ['5', 'seqB'],
        ['extra', 'seqB'],
      ],
    );
    await writeFile(file, '1-3 a\n3 b\n');
    await assert.rejects(readGroups(file), /assigns '3' twice/);
    await writeFile(file, '1 a b\n');
    await assert.rejects(readGroups(file), /line 1: expected 'ID GROUP'/);
    await assert.rejects(readGroups(join(dir, 'missing.txt')), /cannot read group file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('grouped carve-out holds out whole groups, deterministically, near the asked fraction', () => {
  // 10 sequences of 10 frames
  const ids = Array.from({ length: 100 }, (_, i) => String(i + 1));
  const groupOf = (id: string) => `seq${Math.floor((Number(id) - 1) / 10)}`;
  const a = carveValidation(ids, 0.2, 2020, groupOf);
  const b = carveValidation([...ids].reverse(), 0.2, 2020, groupOf);
  assert.deepEqual(new Set(a.val), new Set(b.val), 'independent of file order');
  assert.equal(a.val.length, 20);
  const valGroups = new Set(a.val.map(groupOf));
  const trainGroups = new Set(a.train.map(groupOf));
  assert.equal(valGroups.size, 2);
  for (const g of valGroups) assert.ok(!trainGroups.has(g), `group ${g} on both sides`);
  assert.equal(a.train.length + a.val.length, 100);
  // without groups the rule is the per-ID one: the same count, but frames of a sequence get split
  const plain = carveValidation(ids, 0.2, 2020);
  assert.equal(plain.val.length, 20);
  assert.ok(new Set(plain.val.map(groupOf)).size > 2);
});
