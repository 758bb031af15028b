import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { commands } from '../../src/cli/commands.ts';
import { editDistance, closestName } from '../../src/cli/suggest.ts';

const BIN = join(import.meta.dirname, '../../bin/polypseg.js');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const polypseg = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('--help of every command prints its usage without loading TF.js, ONNX Runtime, sharp or Fastify', () => {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      join(FIXTURES, 'report-heavy-loads.mjs'),
      '--import',
      'tsx',
      join(FIXTURES, 'help-every-command.ts'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /HEAVY/, 'heavy modules loaded for --help');
  const outputs = r.stdout.split(/^=== exit \d+$/m);
  assert.match(outputs[0]!, /^usage: polypseg <command>/);
  for (const [i, name] of Object.keys(commands).entries())
    assert.match(outputs[i + 1]!.trimStart(), new RegExp(`^usage: polypseg ${name} `), name);
  assert.deepEqual(
    r.stdout.match(/=== exit \d+/g),
    Array(Object.keys(commands).length + 1).fill('=== exit 0'),
  );
});

test('the heavy-module check sees a command that loads them', () => {
  // the same hook on a command that runs: it must report, or the test above proves nothing
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      join(FIXTURES, 'report-heavy-loads.mjs'),
      BIN,
      'predict',
      '--input',
      'none.jpg',
      '--out',
      'x',
    ],
    { encoding: 'utf8' },
  );
  assert.match(r.stderr, /HEAVY .*node_modules\/sharp\//);
});

test('a mistyped option is named with the closest one and the usage, in our words', () => {
  const r = polypseg('predict', '--treshold', '0.4', '--input', 'a.jpg', '--out', 'o');
  assert.equal(r.status, 2);
  const [first] = r.stderr.split('\n');
  assert.equal(first, 'polypseg predict: unknown option --treshold (did you mean --threshold?)');
  assert.match(r.stderr, /^usage: polypseg predict --input/m);
  assert.doesNotMatch(r.stderr, /positional argument|ERR_PARSE_ARGS/);

  const serve = polypseg('serve', '--prot', '3000');
  assert.equal(serve.status, 2);
  assert.match(serve.stderr, /^polypseg serve: unknown option --prot \(did you mean --port\?\)/);
  const missing = polypseg('eval', '--data');
  assert.match(missing.stderr, /^polypseg eval: --data needs a value/);
  const flagValue = polypseg('predict', '--json=yes');
  assert.match(flagValue.stderr, /^polypseg predict: --json is a switch and takes no value/);
});

test('suggestions: near misses and prefixes find their option, unrelated words find none', () => {
  const known = ['threshold', 'threads', 'tta', 'no-tta', 'min-area', 'out', 'overlay', 'opacity'];
  assert.equal(editDistance('treshold', 'threshold'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('prot', 'port'), 1, 'a swap of neighbours is one edit');
  assert.equal(closestName('--treshold', known), 'threshold');
  assert.equal(closestName('--thraeds', known), 'threads');
  assert.equal(closestName('--minarea', known), 'min-area');
  assert.equal(closestName('--overl', known), 'overlay');
  assert.equal(closestName('--ot', known), 'out');
  assert.equal(closestName('--verbose', known), undefined);
  assert.equal(closestName('-x', known), undefined);
});

test('every serve and worker option is described in words, with its default or environment variable', () => {
  for (const name of ['serve', 'worker']) {
    const r = polypseg(name, '--help');
    assert.equal(r.status, 0);
    const options = r.stdout.split('\n').filter((l) => /^ {2}--/.test(l));
    assert.ok(options.length >= (name === 'serve' ? 25 : 8), `${name}: ${options.length} options`);
    // an option's block: its line and the indented lines under it
    const blocks = r.stdout.split(/\n(?= {2}--)/).slice(1);
    for (const block of blocks) {
      const flag = block.trim().split(/\s+/)[0]!;
      const words = block.replace(/^ {2}--\S+( [A-Z]+)?/, '').match(/[a-z]{3,}/g) ?? [];
      assert.ok(words.length >= 4, `${name} ${flag} is described in words: ${block}`);
      assert.match(block, /Default |[Ee]nv [A-Z_]+/, `${name} ${flag} names its default or variable`);
    }
  }
});

test('serve --help names every environment variable the server reads', async () => {
  const { ENV_VARS } = await import('../../src/server/config.ts');
  const help = polypseg('serve', '--help').stdout.replace(/\s+/g, ' ');
  for (const name of Object.keys(ENV_VARS))
    assert.match(help, new RegExp(`[Ee]nv ${name}\\b`), `${name} is in serve --help`);
});
