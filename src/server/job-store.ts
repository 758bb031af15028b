import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStatus } from '../api/schemas.ts';
import { JobFiles } from './job-files.ts';
import type { VideoType } from './sniff.ts';

/** One video job as stored; times are epoch milliseconds. */
export interface Job {
  id: string;
  status: JobStatus;
  progress: number;
  fps: number | null;
  frames: number | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  /** frames processed per second (decode + segment + overlay + encode), once done */
  processingFps: number | null;
  error: string | null;
  inputType: VideoType;
  /** how many times a worker has started this job (a restart mid-job re-queues it) */
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export type JobPatch = Partial<Omit<Job, 'id' | 'createdAt' | 'inputType'>>;

const COLUMNS: Record<keyof Job, string> = {
  id: 'id',
  status: 'status',
  progress: 'progress',
  fps: 'fps',
  frames: 'frames',
  width: 'width',
  height: 'height',
  duration: 'duration',
  processingFps: 'processing_fps',
  error: 'error',
  inputType: 'input_type',
  attempts: 'attempts',
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id          TEXT PRIMARY KEY,
  status      TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
  progress    REAL NOT NULL DEFAULT 0,
  fps         REAL,
  frames      INTEGER,
  width       INTEGER,
  height      INTEGER,
  duration    REAL,
  processing_fps REAL,
  error       TEXT,
  input_type  TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  started_at  INTEGER,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created_at);
`;

/** Columns added after the first release, with their types (all nullable). */
const ADDED_COLUMNS: Record<string, string> = { processing_fps: 'REAL' };

const SELECT = `SELECT ${Object.entries(COLUMNS)
  .map(([k, c]) => `${c} AS ${k}`)
  .join(', ')} FROM jobs`;

/**
 * Video jobs in SQLite, their files under `<dataDir>/jobs/<id>/`. Rows and files outlive the
 * process, so finished results survive restarts; temporary uploads live in `<dataDir>/tmp/`.
 */
export class JobStore extends JobFiles {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    super(dataDir);
    mkdirSync(join(this.dataDir, 'jobs'), { recursive: true });
    // anything left in tmp/ belongs to an upload that a previous process never finished
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.db = new Database(join(this.dataDir, 'jobs.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.migrate();
  }

  /** Databases written by older versions lack newer (nullable) columns: add them. */
  private migrate(): void {
    const have = new Set(
      this.db
        .prepare<{ name: string }>('PRAGMA table_info(jobs)')
        .all()
        .map((c) => c.name),
    );
    for (const [column, type] of Object.entries(ADDED_COLUMNS)) {
      if (!have.has(column)) this.db.exec(`ALTER TABLE jobs ADD COLUMN ${column} ${type}`);
    }
  }

  insert(job: { id: string; inputType: VideoType; createdAt?: number }): Job {
    this.db
      .prepare(`INSERT INTO jobs (id, status, input_type, created_at) VALUES (?, 'queued', ?, ?)`)
      .run(job.id, job.inputType, job.createdAt ?? Date.now());
    return this.get(job.id)!;
  }

  get(id: string): Job | undefined {
    return this.db.prepare<Job>(`${SELECT} WHERE id = ?`).get(id);
  }

  update(id: string, patch: JobPatch): Job | undefined {
    const keys = Object.keys(patch) as Array<keyof JobPatch>;
    if (keys.length > 0) {
      const sets = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ');
      this.db.prepare(`UPDATE jobs SET ${sets} WHERE id = @id`).run({ ...patch, id });
    }
    return this.get(id);
  }

  /** Jobs with one of these statuses, oldest first. */
  list(...statuses: JobStatus[]): Job[] {
    const marks = statuses.map(() => '?').join(', ');
    return this.db
      .prepare<Job>(`${SELECT} WHERE status IN (${marks}) ORDER BY created_at, rowid`)
      .all(...statuses);
  }

  /** Deletes the row and every file of the job. */
  delete(id: string): void {
    rmSync(this.jobDir(id), { recursive: true, force: true });
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }

  /**
   * After a crash or restart, jobs still marked running were interrupted: re-queue them to run
   * again from the start, unless they have already been started `maxAttempts` times (a video that
   * crashes the server must not do so forever), in which case they fail with the reason.
   */
  recoverInterrupted(maxAttempts: number): { requeued: string[]; failed: string[] } {
    const requeued: string[] = [];
    const failed: string[] = [];
    for (const job of this.list('running')) {
      if (job.attempts >= maxAttempts) {
        this.update(job.id, {
          status: 'failed',
          error: `the server stopped while processing this video ${job.attempts} times; giving up`,
          finishedAt: Date.now(),
        });
        failed.push(job.id);
      } else {
        this.update(job.id, { status: 'queued', progress: 0, startedAt: null });
        requeued.push(job.id);
      }
    }
    return { requeued, failed };
  }

  /** Finished jobs whose results are older than the cutoff (epoch ms). */
  finishedBefore(cutoff: number): Job[] {
    return this.db
      .prepare<Job>(
        `${SELECT} WHERE status IN ('done','failed','cancelled') AND finished_at < ? ORDER BY finished_at`,
      )
      .all(cutoff);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
