import { describe, expect, test } from 'vitest';
import { GenerationQueue } from './queue';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('GenerationQueue', () => {
  test('runs at most `concurrency` jobs, in order, and refuses beyond maxWaiting', async () => {
    const q = new GenerationQueue({ concurrency: 1, maxWaiting: 1, timeoutMs: 5_000 });
    const order: string[] = [];
    let release!: () => void;
    const a = q.run(async () => {
      order.push('a');
      await new Promise<void>((r) => (release = r));
      return 'a';
    });
    const b = q.run(async () => {
      order.push('b');
      return 'b';
    });
    await tick();
    expect(q.size).toEqual({ running: 1, waiting: 1 });
    await expect(q.run(async () => 'c')).rejects.toMatchObject({ statusCode: 503 });
    release();
    expect(await a).toBe('a');
    expect(await b).toBe('b');
    expect(order).toEqual(['a', 'b']);
    expect(q.size).toEqual({ running: 0, waiting: 0 });
  });

  test('a job past its deadline is aborted and its slot freed; its deadline counts the wait too', async () => {
    const q = new GenerationQueue({ concurrency: 1, maxWaiting: 4, timeoutMs: 30 });
    let aborted = false;
    const stuck = q.run((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('x'))))));
    const waiting = q.run(() => new Promise((r) => setTimeout(() => r('too late'), 200)));
    await expect(stuck).rejects.toMatchObject({ statusCode: 503 });
    await expect(waiting).rejects.toMatchObject({ statusCode: 503 });
    expect(aborted).toBe(true);
    expect(q.size).toEqual({ running: 0, waiting: 0 });
    expect(await q.run(async () => 'ok')).toBe('ok');
  });
});
