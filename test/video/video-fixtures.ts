import { execFileSync } from 'node:child_process';
import { ffmpegPath } from '../../src/video/ffmpeg.ts';

/** A tiny H.264 test clip made by ffmpeg's testsrc (moving pattern, so frames differ), optionally with a tone. */
export function makeClip(
  path: string,
  opts: { width?: number; height?: number; fps?: number; frames?: number; audio?: boolean } = {},
): void {
  const { width = 64, height = 48, fps = 10, frames = 10, audio = false } = opts;
  const tone = audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${frames / fps}`] : [];
  execFileSync(ffmpegPath(), [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=${fps}`,
    ...tone,
    '-frames:v',
    String(frames),
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv444p',
    ...(audio ? ['-c:a', 'aac'] : []),
    path,
  ]);
}

/** Decodes frame `index` of a video to RGB24 bytes. */
export function readFrame(path: string, width: number, height: number, index = 0): Buffer {
  const raw = execFileSync(
    ffmpegPath(),
    ['-v', 'error', '-i', path, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 1 << 30 },
  );
  return raw.subarray(index * width * height * 3, (index + 1) * width * height * 3);
}
