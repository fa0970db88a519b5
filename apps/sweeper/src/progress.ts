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
  /**
   * Time since this process started running the sweep, and how many trials were already final then (a resumed
   * sweep): with them the overall line shows the elapsed time and an estimate of what is left.
   */
  clock?: { elapsedMs: number; doneAtStart: number };
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

/** How far a running trial is, in [0, 1]: epochs done plus the share of the current epoch's batches. */
function trialFraction(t: TrialProgress): number {
  const within = t.batches > 0 ? t.batch / t.batches : 0;
  return t.epochs > 0 ? Math.min(1, (Math.max(0, t.epoch - 1) + within) / t.epochs) : 0;
}

export function trialLine(t: TrialProgress): string {
  const progress = trialFraction(t);
  const rate = t.charsPerSec === null ? '–' : `${Math.round(t.charsPerSec).toLocaleString('en-US')} chars/s`;
  return `  ${t.trialId.padEnd(14)} ${bar(progress, 20)} epoch ${t.epoch}/${t.epochs} batch ${t.batch}/${t.batches}  loss ${fmt(t.loss)}  ${rate}  ${t.label}`;
}

/** `m:ss`, or `h:mm:ss` from an hour. */
export function clockTime(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/**
 * What is left, from this run's pace: trials finished since it started plus the running trials' fractions, per
 * elapsed millisecond. Pruned trials count as finished, so a sweep ASHA cuts short shows a shorter estimate. Null
 * until there is enough progress to tell (2% of the remaining trials' worth).
 */
export function remainingMs(s: SweepProgressState): number | null {
  if (!s.clock || s.total <= 0) return null;
  const left = s.total - s.clock.doneAtStart;
  const progressed = s.done - s.clock.doneAtStart + s.running.reduce((sum, t) => sum + trialFraction(t), 0);
  if (left <= 0 || progressed < 0.02 * left || s.clock.elapsedMs <= 0) return null;
  return (s.clock.elapsedMs * Math.max(0, left - progressed)) / progressed;
}

export function overallLine(s: SweepProgressState): string {
  const best = s.best ? `best ${s.metricName} ${fmt(s.best.value, 4)} (${s.best.trialId})` : 'best –';
  let time = '';
  if (s.clock) {
    const eta = remainingMs(s);
    time = `  ${clockTime(s.clock.elapsedMs)}${eta === null ? '' : ` (~${clockTime(eta)} left)`}`;
  }
  return `${s.name} ${bar(s.total > 0 ? s.done / s.total : 0, 30)} ${s.done}/${s.total} trials${time}  ${best}`;
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
  private lastDone: number | null = null;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(state: SweepProgressState): void {
    // In a log, the overall line once per finished trial (elapsed, estimate, best so far).
    if (this.lastDone !== null && state.done !== this.lastDone) this.stream.write(`${overallLine(state)}\n`);
    this.lastDone = state.done;
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
