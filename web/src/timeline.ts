import type { FrameFinding } from '../../src/api/schemas.ts';
import { h } from './dom.ts';

/** Consecutive frames with polyps, as [startTime, endTime] in seconds. */
export function polypRuns(frames: FrameFinding[], fps: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  frames.forEach((f, i) => {
    if (f.count > 0 && start < 0) start = i;
    const last = i === frames.length - 1;
    if (start >= 0 && (f.count === 0 || last)) {
      const end = f.count === 0 ? i - 1 : i;
      runs.push([frames[start]!.time, frames[end]!.time + 1 / fps]);
      start = -1;
    }
  });
  return runs;
}

const clock = (t: number) => {
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
};

/**
 * A strip under the player: one column per frame, coloured where polyps were found (stronger for
 * higher scores). Click or use the keyboard (←/→ previous/next finding, Home/End) to seek.
 */
export function timeline(video: HTMLVideoElement, frames: FrameFinding[], fps: number): HTMLElement {
  const canvas = h('canvas', { class: 'strip', height: 28 });
  const duration = frames.length / fps;
  const runs = polypRuns(frames, fps);
  const strip = h('div', {
    class: 'timeline',
    tabindex: 0,
    role: 'slider',
    'aria-label': 'Timeline: frames with polyps are marked; arrow keys jump between findings',
    'aria-valuemin': 0,
    'aria-valuemax': Math.round(duration * 10) / 10,
    'aria-valuenow': 0,
    'aria-valuetext': clock(0),
  });
  strip.append(canvas);

  const draw = () => {
    const width = Math.max(100, Math.round(strip.clientWidth || 600));
    if (canvas.width !== width) canvas.width = width;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#e7ecf2';
    g.fillRect(0, 0, width, canvas.height);
    const col = width / Math.max(1, frames.length);
    frames.forEach((f, i) => {
      if (f.count === 0) return;
      // opaque colours (no alpha) so neighbouring columns don't leave seams; darker = higher score
      const k = 0.35 + 0.65 * Math.min(1, f.score);
      g.fillStyle = `rgb(${Math.round(231 - 17 * k)}, ${Math.round(236 - 196 * k)}, ${Math.round(242 - 185 * k)})`;
      const x0 = Math.floor(i * col);
      g.fillRect(x0, 0, Math.max(1, Math.floor((i + 1) * col) - x0), canvas.height);
    });
    const x = (video.currentTime / Math.max(duration, 1e-6)) * width;
    g.fillStyle = '#0b3954';
    g.fillRect(Math.round(x) - 1, 0, 3, canvas.height);
    strip.setAttribute('aria-valuenow', String(Math.round(video.currentTime * 10) / 10));
    strip.setAttribute('aria-valuetext', clock(video.currentTime));
  };

  const seek = (t: number) => {
    video.currentTime = Math.min(Math.max(0, t), Math.max(0, duration - 1e-3));
    draw();
  };
  canvas.addEventListener('click', (e) => {
    const rect = canvas.getBoundingClientRect();
    seek(((e.clientX - rect.left) / rect.width) * duration);
  });
  strip.addEventListener('keydown', (e) => {
    const now = video.currentTime;
    let target: number | undefined;
    if (e.key === 'ArrowRight') target = runs.find(([s]) => s > now + 1e-3)?.[0] ?? now + 1;
    else if (e.key === 'ArrowLeft')
      target = [...runs].reverse().find(([s]) => s < now - 0.05)?.[0] ?? now - 1;
    else if (e.key === 'Home') target = 0;
    else if (e.key === 'End') target = duration;
    if (target === undefined) return;
    e.preventDefault();
    seek(target);
  });
  video.addEventListener('timeupdate', draw);
  video.addEventListener('seeked', draw);
  new ResizeObserver(draw).observe(strip);
  requestAnimationFrame(draw);

  const list =
    runs.length === 0
      ? h('p', { class: 'summary' }, 'No polyp found in this video.')
      : h(
          'p',
          { class: 'summary' },
          `Polyps in ${frames.filter((f) => f.count > 0).length} of ${frames.length} frames: `,
          ...runs
            .slice(0, 20)
            .flatMap(([s, e], i) => [
              i > 0 ? ' ' : '',
              h(
                'button',
                { type: 'button', class: 'chip', onclick: () => seek(s) },
                `${clock(s)}–${clock(e)}`,
              ),
            ]),
          runs.length > 20 ? ` and ${runs.length - 20} more` : '',
        );
  return h('div', { class: 'timeline-wrap' }, strip, list);
}
