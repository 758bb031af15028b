import type { JobPatch } from './job-store.ts';

/** Fraction of progress (or ms) that must pass before a progress update is written and broadcast. */
const PROGRESS_STEP = 0.01;
const PROGRESS_MS = 500;

/**
 * Wraps a job's `report` so that per-frame progress is written at most every 1% / 500 ms (each
 * write is a database update or a Redis round trip plus an event to every browser watching), while
 * any other field (fps, size, ...) is written at once. Nothing is written once the job is aborted.
 */
export function throttleProgress(
  signal: AbortSignal,
  write: (patch: JobPatch) => void,
): (patch: JobPatch) => void {
  let last = { progress: 0, at: Date.now() };
  return (patch) => {
    if (signal.aborted) return;
    const p = patch.progress;
    const now = Date.now();
    const onlyProgress = Object.keys(patch).length === 1 && p !== undefined;
    if (onlyProgress && p - last.progress < PROGRESS_STEP && now - last.at < PROGRESS_MS) return;
    if (p !== undefined) last = { progress: p, at: now };
    write(patch);
  };
}
