export {
  processVideo,
  videoRuntimeOptions,
  type FrameResult,
  type VideoOptions,
  type VideoProgress,
  type VideoResult,
} from './process-video.ts';
export { probeVideo, type VideoInfo } from './probe.ts';
export { ffmpegPath } from './ffmpeg.ts';
export { sniffVideo, SNIFF_BYTES, VideoInputError, type VideoType } from './container.ts';
