/** Thin typed client for the polypseg HTTP API (same origin). */
// Types only: the API's schemas are the server's (src/api/schemas.ts); none of their code is bundled.
import type {
  ErrorBody,
  FramesFile,
  Health,
  JobStatus,
  JobView,
  ModelDocument,
  SegmentResponse,
  VideoAccepted,
} from '../../src/api/schemas.ts';
import { apiFetch, authHeaders, currentToken } from './auth.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as Partial<ErrorBody>;
    if (body.error) return new ApiError(res.status, body.error.code, body.error.message);
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, 'http_error', `${res.status} ${res.statusText}`);
}

export async function getHealth(): Promise<Health> {
  const res = await fetch('/healthz');
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function getModelMetadata(): Promise<ModelDocument> {
  const res = await apiFetch('/api/model');
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function segmentOnServer(file: Blob, signal?: AbortSignal): Promise<SegmentResponse> {
  const form = new FormData();
  form.append('image', file);
  const res = await apiFetch('/api/segment', { method: 'POST', body: form, signal });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** Uploads with XMLHttpRequest, the one browser API that reports upload progress. */
export async function uploadVideo(
  file: File,
  onProgress: (fraction: number) => void,
): Promise<{ id: string }> {
  // a cheap authenticated call first, so a missing token is asked for before the upload, not after it
  if (!currentToken()) await apiFetch('/api/model');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/videos');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const body = xhr.response as (Partial<VideoAccepted> & Partial<ErrorBody>) | null;
      if (xhr.status === 202 && body?.id) resolve({ id: body.id });
      else
        reject(
          new ApiError(
            xhr.status,
            body?.error?.code ?? 'http_error',
            body?.error?.message ?? `upload failed (${xhr.status})`,
          ),
        );
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload failed: network error'));
    const form = new FormData();
    form.append('video', file);
    xhr.send(form);
  });
}

/** The statuses a job never leaves (FINISHED_STATUSES there; a value, so not imported into the bundle). */
const FINISHED: ReadonlySet<JobStatus> = new Set<JobStatus>(['done', 'failed', 'cancelled']);

/**
 * Follows a job's server-sent events until it finishes; returns a function that stops listening.
 * Read with fetch rather than EventSource, which cannot send the API token; a dropped stream is
 * reopened after 2 s, as EventSource would.
 */
export function watchJob(id: string, onUpdate: (job: JobView) => void): () => void {
  const abort = new AbortController();
  const follow = async (): Promise<void> => {
    const res = await apiFetch(`/api/videos/${id}/events`, { signal: abort.signal });
    if (!res.ok || !res.body) throw await failure(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += value;
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const event = text.slice(0, end);
        text = text.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (!/^event: progress$/m.test(event) || !data) continue;
        const job = JSON.parse(data) as JobView;
        onUpdate(job);
        if (FINISHED.has(job.status)) return abort.abort();
      }
    }
  };
  const run = (): void => {
    follow().then(
      () => !abort.signal.aborted && setTimeout(run, 2000),
      () => !abort.signal.aborted && setTimeout(run, 2000),
    );
  };
  run();
  return () => abort.abort();
}

/** The job, or null when the server no longer has it (deleted or expired). */
export async function getJob(id: string): Promise<JobView | null> {
  const res = await apiFetch(`/api/videos/${id}`);
  if (res.status === 404) return null;
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function getFrames(id: string): Promise<FramesFile> {
  const res = await apiFetch(`/api/videos/${id}/frames.json`);
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function deleteJob(id: string): Promise<void> {
  const res = await apiFetch(`/api/videos/${id}`, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) throw await failure(res);
}
