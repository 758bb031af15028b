// A private redis-server for tests and benchmarks: loopback only, a free port, its own temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server (scripts/setup-system.sh installs it) unless REDIS_SERVER says otherwise. */
export const REDIS_SERVER_PATH = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * `skip` option for tests that need redis-server: a reason when it is missing, false when present.
 * On CI (CI=true) a missing redis-server is an error instead, so the tests cannot silently vanish.
 */
export function redisSkipReason(): string | false {
  if (existsSync(REDIS_SERVER_PATH)) return false;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but ${REDIS_SERVER_PATH} is missing: run scripts/setup-system.sh`);
  return `no redis-server at ${REDIS_SERVER_PATH} (scripts/setup-system.sh installs it)`;
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** SIGKILLs the server (data since the last fsync is what a crash would keep: everything, see appendfsync) */
  kill(): Promise<void>;
  /** starts it again on the same port and data dir (after kill) */
  restart(): Promise<void>;
  /** stops it and deletes its data dir */
  stop(): Promise<void>;
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts redis-server on 127.0.0.1 with an append-only file synced on every write, so a SIGKILL and
 * restart keeps every job (the "Redis lost mid-run" tests rely on that).
 */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-redis-'));
  const port = await freePort();
  let proc!: ChildProcess;
  const launch = async () => {
    let out = '';
    proc = spawn(
      REDIS_SERVER_PATH,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    await waitForPort(port, proc, () => out);
  };
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
