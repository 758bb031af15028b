// `polypseg` commands as child processes, for tests and benchmarks that need real separate processes
// (killed with SIGKILL, stopped with SIGTERM, several at once).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/polypseg.js', import.meta.url));

/** `polypseg serve` on a free loopback port with its own data dir, no web app: ready when LISTENING matches. */
export const serveArgs = (modelDir: string, dataDir: string, ...extra: string[]) => [
  'serve',
  '--port',
  '0',
  '--model',
  modelDir,
  '--data-dir',
  dataDir,
  '--no-build',
  '--web-dir',
  join(dataDir, 'no-web'),
  ...extra,
];
/** The line `serve` prints once it accepts requests; group 1 is its URL. */
export const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

/** A `polypseg` command running as its own process, with everything it printed so far. */
export interface CliProcess {
  proc: ChildProcess;
  output(): string;
}

/**
 * Starts `polypseg ARGS` (bin/polypseg.js) and resolves once its output matches `ready`, with the
 * match; rejects with the output if it exits first.
 */
export async function spawnCli(
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<CliProcess & { match: RegExpExecArray }> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) resolve(m);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`polypseg ${args[0]} exited with ${code}: ${out}`)));
  });
  return { proc, match, output: () => out };
}

/** Resolves with the exit code (null when killed by a signal) once the process has exited. */
export const exited = (proc: ChildProcess) =>
  new Promise<number | null>((r) =>
    proc.exitCode !== null || proc.signalCode !== null ? r(proc.exitCode) : proc.once('exit', r),
  );
