import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { PolypsegError } from '../errors.ts';
import { captureStderr, exited, spawnFfmpeg } from './ffmpeg.ts';
import type { VideoInfo } from './probe.ts';

/**
 * Decodes the first video stream to raw RGB24 frames on ffmpeg's stdout and yields them one by one.
 * Pulling is the back-pressure: while the consumer is busy, the pipe fills and ffmpeg waits.
 */
export class FrameDecoder {
  readonly proc: ChildProcess;
  private readonly stderr: () => string;
  private readonly done: Promise<number | string>;

  constructor(
    private readonly input: string,
    private readonly info: VideoInfo,
  ) {
    // -vsync 0: pass every decoded frame through once (no duplication/dropping), so counts match.
    this.proc = spawnFfmpeg([
      '-v',
      'error',
      '-i',
      input,
      '-map',
      '0:v:0',
      '-vsync',
      '0',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ]);
    this.proc.stdin?.end();
    this.stderr = captureStderr(this.proc);
    this.done = exited(this.proc);
  }

  async *frames(): AsyncGenerator<Buffer> {
    const size = this.info.width * this.info.height * 3;
    let frame = Buffer.allocUnsafe(size);
    let filled = 0;
    for await (const chunk of this.proc.stdout! as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(size - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === size) {
          yield frame;
          frame = Buffer.allocUnsafe(size);
          filled = 0;
        }
      }
    }
    const code = await this.done;
    if (code !== 0)
      throw new PolypsegError(
        `cannot decode ${this.input}: ${this.stderr().trim().split('\n').slice(-3).join(' | ') || `ffmpeg exited with ${code}`}`,
        'VIDEO_DECODE',
      );
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

/**
 * Encodes RGB24 frames to H.264 MP4 (yuv420p, +faststart: plays in browsers while downloading) at
 * the source frame rate. Writes to a temporary file and renames on success, so a reader never sees a
 * half-written video. Odd sizes are padded by one pixel (yuv420p needs even sizes).
 */
export class FrameEncoder {
  readonly proc: ChildProcess;
  private readonly stderr: () => string;
  private readonly done: Promise<number | string>;
  private readonly tmp: string;

  constructor(
    private readonly output: string,
    info: VideoInfo,
    opts: { crf?: number; preset?: string; audioFrom?: string } = {},
  ) {
    this.tmp = `${output}.tmp-${process.pid}-${Date.now()}`;
    const pad = info.width % 2 || info.height % 2 ? ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'] : [];
    this.proc = spawnFfmpeg([
      '-v',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${info.width}x${info.height}`,
      '-r',
      info.fpsRational,
      '-i',
      '-',
      // the source's first audio stream, re-encoded (its codec may not fit MP4); frames come only from the pipe
      ...(opts.audioFrom
        ? ['-i', opts.audioFrom, '-map', '0:v:0', '-map', '1:a:0?', '-c:a', 'aac', '-b:a', '128k']
        : []),
      ...pad,
      '-c:v',
      'libx264',
      '-preset',
      opts.preset ?? 'veryfast',
      '-crf',
      String(opts.crf ?? 23),
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      '-y',
      this.tmp,
    ]);
    this.stderr = captureStderr(this.proc);
    this.done = exited(this.proc);
    // A dying encoder closes stdin; the error surfaces from finish(), not as an unhandled EPIPE.
    this.proc.stdin!.on('error', () => {});
  }

  /** Writes one frame, waiting when ffmpeg's input pipe is full. */
  async write(frame: Uint8Array): Promise<void> {
    const stdin = this.proc.stdin!;
    if (this.proc.exitCode !== null) throw this.failure();
    if (!stdin.write(frame)) await Promise.race([once(stdin, 'drain'), this.done]);
  }

  async finish(): Promise<void> {
    this.proc.stdin!.end();
    const code = await this.done;
    if (code !== 0) {
      await rm(this.tmp, { force: true });
      throw this.failure();
    }
    await rename(this.tmp, this.output);
  }

  async abort(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    await this.done.catch(() => undefined);
    await rm(this.tmp, { force: true });
  }

  private failure(): PolypsegError {
    const reason = this.stderr().trim().split('\n').slice(-3).join(' | ');
    return new PolypsegError(`cannot encode ${this.output}: ${reason || 'ffmpeg failed'}`, 'VIDEO_ENCODE');
  }
}
