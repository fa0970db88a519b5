import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tf } from './tf';
import { selectEngine } from './engine';
import { createOptimizer, restoreOptimizerState, saveOptimizerState } from './optimizer';

/** A few steps of a seeded toy problem: gradients that depend on the weights, so any drift compounds. */
function stepOnce(opt: tf.Optimizer, w: tf.Variable, k: number): void {
  const grads = tf.tidy(() => ({ [w.name]: tf.add(tf.mul(tf.sin(tf.mul(w, k + 1)), 0.3), tf.scalar(0.01 * k)) }));
  opt.applyGradients(grads);
  tf.dispose(Object.values(grads));
}

describe('optimizer state: a resumed optimizer continues bit for bit', () => {
  const init = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i) * 0.5);
  test.each([
    ['adam, native fused', 'adam', true],
    ['adam, tfjs', 'adam', false],
    ['rmsprop', 'rmsprop', false],
  ] as const)('%s, saved after every step count from 1 to 40', async (_label, name, fused) => {
    await selectEngine('cpu');
    const total = 44;
    const straightW = tf.variable(tf.tensor(init));
    const straight = createOptimizer({ name, lr: 0.05 }, 0, fused ? 'fused' : 'tfjs').optimizer;
    const after: Float32Array[] = [];
    for (let k = 0; k < total; k++) {
      stepOnce(straight, straightW, k);
      after.push(straightW.dataSync().slice() as Float32Array);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-opt-'));
    const bad: number[] = [];
    for (let resumeAt = 1; resumeAt <= 40; resumeAt++) {
      // Train to resumeAt, save, restore into a fresh optimizer and variable, finish.
      const w = tf.variable(tf.tensor(init));
      const first = createOptimizer({ name, lr: 0.05 }, 0, fused ? 'fused' : 'tfjs').optimizer;
      for (let k = 0; k < resumeAt; k++) stepOnce(first, w, k);
      await saveOptimizerState(first, [w.name], dir);
      const w2 = tf.variable(w.clone());
      const second = createOptimizer({ name, lr: 0.05 }, 0, fused ? 'fused' : 'tfjs').optimizer;
      await restoreOptimizerState(second, [w2.name], dir);
      for (let k = resumeAt; k < total; k++) stepOnce(second, w2, k);
      if (!tf.util.arraysEqual(w2.dataSync(), after[total - 1])) bad.push(resumeAt);
      first.dispose();
      second.dispose();
      tf.dispose([w, w2]);
    }
    straight.dispose();
    straightW.dispose();
    expect(bad).toEqual([]);
  });
});
