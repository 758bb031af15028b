import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commands } from '../../src/cli/commands.ts';

const readme = readFileSync('README.md', 'utf8');

test("the README's command table lists every option of each command's usage line", async () => {
  for (const [name, entry] of Object.entries(commands)) {
    const command = await entry.load();
    const synopsis = command.usage.split('\n\n')[0]!;
    const row = readme.split('\n').find((l) => l.startsWith(`| \`polypseg ${name} `));
    assert.ok(row, `README has a row for polypseg ${name}`);
    const cell = row.split(' | ')[0]!;
    for (const flag of new Set(synopsis.match(/--[a-z][a-z-]*/g) ?? []))
      assert.ok(cell.includes(flag), `README's polypseg ${name} row lacks ${flag} (in its --help)`);
  }
});
