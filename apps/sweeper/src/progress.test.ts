import { describe, expect, test } from 'vitest';
import { clockTime, createProgressView, overallLine, remainingMs, type SweepProgressState, type TrialProgress } from './progress';

function running(trialId: string, epoch: number, batch: number): TrialProgress {
  return { trialId, label: 'lr=0.01', epoch, epochs: 4, batch, batches: 100, loss: 1.5, charsPerSec: 20_000, metric: null, epochsDone: epoch - 1 };
}

function state(over: Partial<SweepProgressState>): SweepProgressState {
  return { name: 'quickstart', done: 0, total: 4, best: null, metricName: 'val_loss', running: [], ...over };
}

describe('the overall progress line', () => {
  test('clock times', () => {
    expect(clockTime(0)).toBe('0:00');
    expect(clockTime(61_400)).toBe('1:01');
    expect(clockTime(3_725_000)).toBe('1:02:05');
  });

  test('estimates what is left from finished trials plus the running ones’ progress', () => {
    // One trial done and one halfway (epoch 3 of 4, batch 0) after 60 s: 1.5 trials' worth, 2.5 to go → 100 s.
    const s = state({ done: 1, running: [running('t1', 3, 0)], clock: { elapsedMs: 60_000, doneAtStart: 0 } });
    expect(remainingMs(s)).toBeCloseTo(100_000, 6);
    expect(overallLine(s)).toMatch(/ 1\/4 trials {2}1:00 \(~1:40 left\) {2}best –$/);
  });

  test('a resumed sweep counts only this run’s progress; no estimate before there is any', () => {
    const resumed = state({ done: 2, running: [running('t2', 1, 50)], clock: { elapsedMs: 10_000, doneAtStart: 2 } });
    // 0.125 of a trial in 10 s, 1.875 left → 150 s.
    expect(remainingMs(resumed)).toBeCloseTo(150_000, 6);
    expect(remainingMs(state({ done: 2, clock: { elapsedMs: 10_000, doneAtStart: 2 } }))).toBeNull();
    expect(overallLine(state({ clock: { elapsedMs: 5_000, doneAtStart: 0 } }))).toMatch(/0\/4 trials {2}0:05 {2}best –$/);
    expect(overallLine(state({}))).toMatch(/0\/4 trials {2}best –$/);
  });

  test('in a log (no terminal) the overall line is printed each time a trial finishes', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const view = createProgressView(stream);
    const clock = { elapsedMs: 30_000, doneAtStart: 0 };
    view.update(state({ done: 0, clock }));
    view.update(state({ done: 0, clock }));
    view.update(state({ done: 1, best: { trialId: 't0', value: 1.25 }, clock }));
    expect(lines).toEqual([expect.stringMatching(/1\/4 trials {2}0:30 \(~1:30 left\) {2}best val_loss 1\.2500 \(t0\)\n$/)]);
  });
});
