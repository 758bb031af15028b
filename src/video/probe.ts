import { sniffVideoFile, VideoInputError, videoInputArgs, type VideoType } from './container.ts';
import { runFfmpeg } from './ffmpeg.ts';

export interface VideoInfo {
  /** frame size as decoded (after the container's rotation is applied) */
  width: number;
  height: number;
  /** frames per second as a number, and as ffmpeg should be told it (e.g. '30000/1001') */
  fps: number;
  fpsRational: string;
  /** exact frame count (packets of the video stream) */
  frames: number;
  /** seconds, from the container header (0 when unknown) */
  duration: number;
  codec: string;
  /** the input has an audio stream (copied into the result as AAC) */
  hasAudio: boolean;
  /** the container, sniffed from the first bytes: ffmpeg opens the file with its demuxer only */
  container: VideoType;
}

/** NTSC-style rates ffmpeg prints rounded. */
const RATIONAL: Record<string, string> = {
  '23.98': '24000/1001',
  '29.97': '30000/1001',
  '59.94': '60000/1001',
  '47.95': '48000/1001',
  '119.88': '120000/1001',
};

/** Highest frame rate taken as it is printed; beyond it the rate is treated as unknown. */
const MAX_FPS = 10_000;

/** Parses the input section of `ffmpeg -i` stderr. Exported for tests. */
export function parseStreamInfo(stderr: string): Omit<VideoInfo, 'frames' | 'container'> | undefined {
  const input = stderr.split(/^Output #0|^Stream mapping:/m)[0]!;
  const video = input.match(/Stream #\d+:\d+[^:\n]*: Video: ([^\s,]+)[^\n]*?, (\d+)x(\d+)[^\n]*/);
  if (!video) return undefined;
  const line = video[0];
  const rate = line.match(/([\d.]+)(k?) fps/) ?? line.match(/([\d.]+)(k?) tbr/);
  let fps = rate ? Number(rate[1]) * (rate[2] ? 1000 : 1) : NaN;
  // high-speed clips are real (1000 fps and more); only a missing or absurd rate falls back to 25
  if (!(fps > 0 && fps <= MAX_FPS)) fps = 25;
  const fpsRational = RATIONAL[fps.toFixed(2)] ?? String(fps);
  let width = Number(video[2]);
  let height = Number(video[3]);
  const rotation = input.match(/rotate\s*:\s*(-?\d+)/) ?? input.match(/rotation of (-?[\d.]+) degrees/);
  if (rotation && Math.abs(Number(rotation[1])) % 180 === 90) [width, height] = [height, width];
  const d = input.match(/Duration: (\d+):(\d+):([\d.]+)/);
  const duration = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : 0;
  return {
    width,
    height,
    fps,
    fpsRational: fpsRational.includes('/') ? fpsRational : String(fps),
    duration,
    codec: video[1]!,
    hasAudio: /Stream #\d+:\d+[^:\n]*: Audio: /.test(input),
  };
}

/**
 * Size, frame rate and exact frame count of a video's first video stream. One ffmpeg pass that
 * copies packets to nowhere (no decoding), so it is fast even for long videos. The container is
 * sniffed from the file's first bytes unless the caller already knows it; a file that is not a
 * supported container, or that ffmpeg cannot read, is a VideoInputError.
 */
export async function probeVideo(path: string, known?: VideoType): Promise<VideoInfo> {
  const container = known ?? (await sniffVideoFile(path));
  const { code, stderr } = await runFfmpeg([
    ...videoInputArgs(path, container),
    '-map',
    '0:v:0?',
    '-c',
    'copy',
    '-f',
    'null',
    '-',
  ]);
  const info = parseStreamInfo(stderr);
  if (!info) {
    const reason = stderr.trim().split('\n').pop() ?? '';
    throw new VideoInputError(
      /Invalid data|could not find codec|moov atom not found|End of file/i.test(stderr) || code !== 0
        ? `${path} is not a readable video (${reason.trim()})`
        : `${path} has no video stream`,
      'VIDEO_INVALID',
    );
  }
  const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)];
  const frames = counts.length ? Number(counts[counts.length - 1]![1]) : Math.round(info.duration * info.fps);
  if (!(frames > 0)) throw new VideoInputError(`${path} has no video frames`, 'VIDEO_NO_FRAMES');
  // ffmpeg prints rates of 1000 and more rounded to thousands ("1k fps"): the frames over the
  // duration give the rate itself, so result times match the source
  if (info.fps >= 1000 && info.duration > 0) {
    const fps = Math.round((frames / info.duration) * 1000) / 1000;
    return { ...info, fps, fpsRational: String(fps), frames, container };
  }
  return { ...info, frames, container };
}
