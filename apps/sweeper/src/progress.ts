/**
 * The sweep's live view on stderr: one line per running trial (epoch, batch, loss, chars/s) and an overall
 * bar (trials done / total, best so far). On a terminal the block is redrawn in place a few times a second;
 * elsewhere (CI, a pipe, a log file) each epoch and each state change prints one plain line instead.
 */

export interface TrialProgress {
  trialId: string;
  label: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number | null;
  charsPerSec: number | null;
  metric: number | null;
  /** The last epoch whose metrics arrived (0 = none yet). */
  epochsDone: number;
}

export interface SweepProgressState {
  name: string;
  done: number;
  total: number;
  best: { trialId: string; value: number } | null;
  metricName: string;
  running: TrialProgress[];
}

export interface ProgressView {
  update(state: SweepProgressState): void;
  /** A line that must stay visible (a trial finished, was pruned or failed). */
  note(line: string): void;
  close(): void;
}

const fmt = (x: number | null, digits = 3): string => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export function trialLine(t: TrialProgress): string {
  const within = t.batches > 0 ? t.batch / t.batches : 0;
  const progress = t.epochs > 0 ? (Math.max(0, t.epoch - 1) + within) / t.epochs : 0;
  const rate = t.charsPerSec === null ? '–' : `${Math.round(t.charsPerSec).toLocaleString('en-US')} chars/s`;
  return `  ${t.trialId.padEnd(14)} ${bar(progress, 20)} epoch ${t.epoch}/${t.epochs} batch ${t.batch}/${t.batches}  loss ${fmt(t.loss)}  ${rate}  ${t.label}`;
}

export function overallLine(s: SweepProgressState): string {
  const best = s.best ? `best ${s.metricName} ${fmt(s.best.value, 4)} (${s.best.trialId})` : 'best –';
  return `${s.name} ${bar(s.total > 0 ? s.done / s.total : 0, 30)} ${s.done}/${s.total} trials  ${best}`;
}

/** Chooses the terminal view or the plain-line view for a stream. */
export function createProgressView(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressView {
  if (quiet) return { update() {}, note() {}, close() {} };
  return stream.isTTY ? new TerminalView(stream) : new LineView(stream);
}

class TerminalView implements ProgressView {
  private drawn = 0;
  private last: SweepProgressState | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(state: SweepProgressState): void {
    this.last = state;
    // Redraw at most 5 times a second: batch events arrive far faster than anyone can read.
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.redraw();
    }, 200);
  }

  note(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.redraw();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.redraw();
    this.drawn = 0;
  }

  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.last) return;
    this.clear();
    const width = this.stream.columns ?? 120;
    const lines = [overallLine(this.last), ...this.last.running.map(trialLine)].map((l) => l.slice(0, width - 1));
    this.stream.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

class LineView implements ProgressView {
  private lastEpoch = new Map<string, number>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(state: SweepProgressState): void {
    for (const t of state.running) {
      if (t.epochsDone === 0 || this.lastEpoch.get(t.trialId) === t.epochsDone) continue;
      this.lastEpoch.set(t.trialId, t.epochsDone);
      this.stream.write(`${trialLine(t).trim()}  ${state.metricName} ${fmt(t.metric, 4)}\n`);
    }
  }

  note(line: string): void {
    this.stream.write(`${line}\n`);
  }

  close(): void {}
}
