import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { PolypsegError } from '../errors.ts';
import { videoInputArgs } from './container.ts';
import { captureStderr, exited, spawnFfmpeg } from './ffmpeg.ts';
import type { VideoInfo } from './probe.ts';

export interface OverlayEncoderOptions {
  /** the overlay filter graph (overlay-filter.ts): inputs 0 = source, 1 = fields; output [out] */
  graph: string;
  /** model size: one field is size x 2*size gray bytes */
  fieldSize: number;
  /** x264 quality and speed preset (docs/benchmarks.md: veryfast, 23) */
  crf?: number;
  preset?: string;
  /** copy the source's first audio stream (re-encoded as AAC: its codec may not fit MP4) */
  audio?: boolean;
}

/**
 * ffmpeg inputs and filters up to the overlaid stream: the source (input 0), the fields on stdin
 * (input 1), the graph, and the mapped video (plus audio). Exported for bench/ stage timings.
 */
export function overlayInputArgs(input: string, info: VideoInfo, opts: OverlayEncoderOptions): string[] {
  const s = opts.fieldSize;
  return [
    '-v',
    'error',
    ...videoInputArgs(input, info.container),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    '-s',
    `${s}x${2 * s}`,
    '-r',
    info.fpsRational,
    '-i',
    '-',
    '-filter_complex',
    opts.graph,
    '-map',
    '[out]',
    ...(opts.audio ? ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '128k'] : []),
  ];
}

/** The H.264 settings (yuv420p at the source's rate). */
export function encodeArgs(info: VideoInfo, opts: Pick<OverlayEncoderOptions, 'crf' | 'preset'>): string[] {
  return [
    '-r',
    info.fpsRational,
    '-c:v',
    'libx264',
    '-preset',
    opts.preset ?? 'veryfast',
    '-crf',
    String(opts.crf ?? 23),
    '-pix_fmt',
    'yuv420p',
  ];
}

/**
 * Decodes the source a second time, draws the mask fields written to its stdin over it with the
 * overlay filter graph and encodes H.264 MP4 (yuv420p, +faststart: plays in browsers while
 * downloading) at the source's frame rate. A second decode costs less CPU than piping full frames
 * through Node and back (docs/benchmarks.md). Writes to a temporary file and renames on success, so a
 * reader never sees a half-written video.
 */
export class OverlayEncoder {
  readonly proc: ChildProcess;
  private readonly stderr: () => string;
  private readonly done: Promise<number | string>;
  private readonly tmp: string;

  constructor(
    private readonly output: string,
    input: string,
    info: VideoInfo,
    opts: OverlayEncoderOptions,
  ) {
    this.tmp = `${output}.tmp-${process.pid}-${Date.now()}`;
    this.proc = spawnFfmpeg([
      ...overlayInputArgs(input, info, opts),
      ...encodeArgs(info, opts),
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

  /** Writes one frame's mask field, waiting when ffmpeg's input pipe is full. */
  async write(field: Uint8Array): Promise<void> {
    const stdin = this.proc.stdin!;
    if (this.proc.exitCode !== null) throw this.failure();
    if (!stdin.write(field)) await Promise.race([once(stdin, 'drain'), this.done]);
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
