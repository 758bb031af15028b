import { commands } from './commands.ts';
import { UsageError } from './command.ts';
import { PolypsegError } from '../errors.ts';
import { closestName } from './suggest.ts';

function help(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return [
    'usage: polypseg <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'polypseg <command> --help for its options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    const near = closestName(name, Object.keys(commands));
    console.error(
      `polypseg: unknown command '${name}'${near ? ` (did you mean ${near}?)` : ''}\n\n${help()}`,
    );
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      const synopsis = command.usage.split('\n\n')[0];
      console.error(
        `polypseg ${name}: ${err.message}\n\n${synopsis}\n\n(polypseg ${name} --help describes every option)`,
      );
      return 2;
    }
    if (err instanceof PolypsegError) {
      console.error(`polypseg ${name}: ${err.message}`);
      return 1;
    }
    // Print unexpected errors ourselves: TF.js' wasm module re-throws uncaught ones with its minified source.
    console.error(`polypseg ${name}: unexpected error: ${(err as Error)?.stack ?? err}`);
    return 1;
  }
}
