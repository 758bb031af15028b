import { mediaUrl } from './auth.ts';
import type { JobView } from '../../src/api/schemas.ts';
import { deleteJob, getFrames, getJob, uploadVideo, watchJob } from './api.ts';
import { $, dropTarget, h, percent } from './dom.ts';
import { timeline } from './timeline.ts';

const STORAGE_KEY = 'polypseg.videos';
type Remembered = { id: string; name: string };

const remembered = (): Remembered[] => {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as Remembered[];
  } catch {
    return [];
  }
};
const remember = (list: Remembered[]) => localStorage.setItem(STORAGE_KEY, JSON.stringify(list.slice(0, 10)));

/** The video view: upload with progress, live processing progress, then player + timeline. */
export function setupVideo(): void {
  const input = $<HTMLInputElement>('video-input');
  const jobs = $('video-jobs');

  const start = (file: File) => {
    const card = new JobCard(file.name);
    jobs.prepend(card.el);
    card.upload(file);
  };
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) start(file);
    input.value = '';
  });
  dropTarget($('video-drop'), (files) => files[0] && start(files[0]));

  // jobs from earlier visits (results stay on the server until the retention expires)
  for (const r of remembered()) {
    const card = new JobCard(r.name);
    jobs.append(card.el);
    void getJob(r.id).then(
      (job) => {
        if (job) return card.follow(r.id);
        card.el.remove();
        remember(remembered().filter((x) => x.id !== r.id));
      },
      () => card.el.remove(),
    );
  }
}

class JobCard {
  readonly el: HTMLElement;
  private readonly bar = h('progress', { max: 1, value: 0 });
  private readonly label = h('span', { class: 'progress-label' }, 'Waiting…');
  private readonly body = h('div', { class: 'job-body' });
  private readonly deleteButton = h('button', { type: 'button', class: 'quiet', disabled: true }, 'Delete');
  private id: string | null = null;
  private stop: (() => void) | null = null;

  constructor(private readonly name: string) {
    this.bar.setAttribute('aria-label', `Progress of ${name}`);
    this.el = h(
      'article',
      { class: 'job', 'aria-label': `Video ${name}` },
      h('header', {}, h('h2', {}, name), this.deleteButton),
      h('div', { class: 'progress', role: 'status', 'aria-live': 'polite' }, this.label, this.bar),
      this.body,
    );
    this.deleteButton.addEventListener('click', () => this.remove());
  }

  async upload(file: File): Promise<void> {
    this.label.textContent = 'Uploading 0%';
    try {
      const { id } = await uploadVideo(file, (f) => {
        this.bar.value = f;
        this.label.textContent = `Uploading ${percent(f, 0)}`;
      });
      remember([{ id, name: this.name }, ...remembered().filter((r) => r.id !== id)]);
      this.follow(id);
    } catch (err) {
      this.fail((err as Error).message);
    }
  }

  follow(id: string): void {
    this.id = id;
    this.deleteButton.disabled = false;
    this.stop = watchJob(id, (job) => this.update(job));
  }

  private update(job: JobView): void {
    const meta =
      job.frames && job.fps ? ` · ${job.frames} frames at ${job.fps.toFixed(job.fps % 1 ? 2 : 0)} fps` : '';
    this.bar.value = job.progress;
    if (job.status === 'queued') this.label.textContent = 'Queued — waiting for a free worker';
    if (job.status === 'running') this.label.textContent = `Processing ${percent(job.progress, 0)}${meta}`;
    if (job.status === 'failed') this.fail(job.error ?? 'processing failed');
    if (job.status === 'cancelled') this.label.textContent = 'Cancelled';
    if (job.status === 'done') {
      this.label.textContent = `Done${meta}`;
      this.el.classList.add('done');
      void this.showResult(job);
    }
  }

  private async showResult(job: JobView): Promise<void> {
    const path = `/api/videos/${job.id}/result.mp4`;
    let src: string;
    let framesUrl: string;
    try {
      // with an API token the files come through fetch as blob: URLs (elements cannot send headers)
      [src, framesUrl] = await Promise.all([mediaUrl(path), mediaUrl(`/api/videos/${job.id}/frames.json`)]);
    } catch (err) {
      this.body.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
      return;
    }
    const video = h('video', {
      controls: true,
      preload: 'metadata',
      src,
      'aria-label': `${this.name} with polyps overlaid`,
    });
    const parts: Node[] = [video];
    try {
      const { frames, fps } = await getFrames(job.id);
      parts.push(timeline(video, frames, fps));
    } catch (err) {
      parts.push(h('p', { class: 'error' }, `Per-frame results unavailable: ${(err as Error).message}`));
    }
    parts.push(
      h(
        'div',
        { class: 'actions' },
        h(
          'a',
          {
            class: 'button',
            href: src.startsWith('blob:') ? src : `${src}?download=true`,
            download: `${this.name.replace(/\.[^.]+$/, '')}-polypseg.mp4`,
          },
          'Download video',
        ),
        h('a', { class: 'button quiet', href: framesUrl, download: 'frames.json' }, 'Per-frame JSON'),
      ),
    );
    this.body.replaceChildren(...parts);
  }

  private fail(message: string): void {
    // a failed card must still go away: Delete removes it (and the job, if the upload got one)
    this.deleteButton.disabled = false;
    this.el.classList.add('failed');
    this.label.textContent = 'Failed';
    this.bar.hidden = true;
    this.body.replaceChildren(h('p', { class: 'error', role: 'alert' }, message));
  }

  private async remove(): Promise<void> {
    this.stop?.();
    if (this.id) {
      await deleteJob(this.id).catch(() => undefined);
      remember(remembered().filter((r) => r.id !== this.id));
    }
    this.el.remove();
  }
}
