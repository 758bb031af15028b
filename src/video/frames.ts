import type { ChildProcess } from 'node:child_process';
import { VideoInputError, videoInputArgs } from './container.ts';
import { captureStderr, exited, spawnFfmpeg } from './ffmpeg.ts';
import type { VideoInfo } from './probe.ts';

/**
 * Decodes the first video stream to raw RGB24 frames on ffmpeg's stdout and yields them one by one,
 * scaled by ffmpeg to `size`² (the model's input) when given, so no full-size frame reaches
 * JavaScript. Pulling is the back-pressure: while the consumer is busy, the pipe fills and ffmpeg waits.
 */
export class FrameDecoder {
  readonly proc: ChildProcess;
  private readonly stderr: () => string;
  private readonly done: Promise<number | string>;

  constructor(
    private readonly input: string,
    private readonly info: VideoInfo,
    private readonly size?: number,
  ) {
    // swscale's bilinear widens its filter when shrinking (antialiased, like resize.ts and sharp)
    // -vsync 0: pass every decoded frame through once (no duplication/dropping), so counts match.
    this.proc = spawnFfmpeg([
      '-v',
      'error',
      ...videoInputArgs(input, info.container),
      '-map',
      '0:v:0',
      '-vsync',
      '0',
      ...(size ? ['-vf', `scale=${size}:${size}:flags=bilinear`] : []),
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
    const size = this.size ? this.size * this.size * 3 : this.info.width * this.info.height * 3;
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
      throw new VideoInputError(
        `cannot decode ${this.input}: ${this.stderr().trim().split('\n').slice(-3).join(' | ') || `ffmpeg exited with ${code}`}`,
        'VIDEO_DECODE',
      );
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}
