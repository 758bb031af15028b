import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { PolypsegError } from '../errors.ts';

/**
 * The ffmpeg binary shipped by the npm package @ffmpeg-installer/ffmpeg (a static build with
 * libx264), so polypseg needs no system ffmpeg. POLYPSEG_FFMPEG overrides it.
 */
export function ffmpegPath(): string {
  const path = process.env.POLYPSEG_FFMPEG || ffmpegInstaller.path;
  if (!path || !existsSync(path))
    throw new PolypsegError(
      `ffmpeg not found at ${path} (reinstall @ffmpeg-installer/ffmpeg or set POLYPSEG_FFMPEG)`,
      'FFMPEG_MISSING',
    );
  return path;
}

/** Keeps the last `limit` characters of a process's stderr for error messages. */
export function captureStderr(proc: ChildProcess, limit = 4000): () => string {
  let text = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}

export function spawnFfmpeg(args: string[]): ChildProcess {
  return spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves with the exit code (or signal name) once the process has exited and its pipes closed. */
export function exited(proc: ChildProcess): Promise<number | string> {
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code, signal) => resolve(code ?? signal ?? -1));
  });
}

/** Runs ffmpeg to completion and returns its stderr (ffmpeg reports stream info there). */
export async function runFfmpeg(args: string[]): Promise<{ code: number | string; stderr: string }> {
  const proc = spawnFfmpeg(args);
  proc.stdin?.end();
  proc.stdout?.resume();
  const stderr = captureStderr(proc, 64_000);
  const code = await exited(proc);
  return { code, stderr: stderr() };
}
