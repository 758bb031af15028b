/** A one-line progress bar on stderr (redrawn in place on a TTY, a line every few seconds otherwise), shared by the CLI, the training loop and the experiment runner. */
export class ProgressBar {
  private readonly start = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** `done` items finished; `info` is appended (e.g. "loss 0.31 · 5.2 img/s"). */
  update(done: number, info = ''): void {
    const now = Date.now();
    const finished = done >= this.total;
    if (!finished && now - this.lastPrint < (this.tty ? 100 : 5000)) return;
    this.lastPrint = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const elapsed = (now - this.start) / 1000;
    const eta = frac > 0 ? elapsed * (1 / frac - 1) : NaN;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const line = `${this.label} ${bar} ${done}/${this.total} ${(frac * 100).toFixed(0)}% · ${formatDuration(elapsed)} elapsed · ETA ${formatDuration(eta)}${info ? ' · ' + info : ''}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${finished ? '\n' : ''}`);
    else this.stream.write(line + '\n');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
